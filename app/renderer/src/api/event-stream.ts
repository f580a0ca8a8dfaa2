// Follows a server-sent event stream (text/event-stream) over fetch, so the request carries the
// session's credentials like any other call (EventSource cannot send an Authorization header).
// Reconnects with a growing pause when the stream drops.

import { useEffect, useState } from 'react';
import type { ApiClient } from './client.ts';
import { asProblem } from './use-resource.ts';

export interface StreamEvent {
  event: string;
  data: string;
}

export type StreamState = 'connecting' | 'live' | 'reconnecting';

/** Splits SSE text into events; returns them and the unfinished rest. */
export function parseEvents(buffer: string): { events: StreamEvent[]; rest: string } {
  const events: StreamEvent[] = [];
  const blocks = buffer.split(/\r?\n\r?\n/);
  const rest = blocks.pop() ?? '';
  for (const block of blocks) {
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split(/\r?\n/)) {
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length > 0) events.push({ event, data: data.join('\n') });
  }
  return { events, rest };
}

export function useEventStream(
  client: ApiClient,
  path: string,
  onEvent: (e: StreamEvent) => void,
): StreamState {
  const [state, setState] = useState<StreamState>('connecting');
  // biome-ignore lint/correctness/useExhaustiveDependencies: onEvent is read through the latest closure below.
  useEffect(() => {
    const abort = new AbortController();
    let pause = 1000;
    const run = async () => {
      while (!abort.signal.aborted) {
        try {
          const response = await client.stream(path, abort.signal);
          setState('live');
          pause = 1000;
          const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
          let buffer = '';
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            const parsed = parseEvents(buffer + value);
            buffer = parsed.rest;
            for (const e of parsed.events) onEvent(e);
          }
        } catch (error) {
          if (abort.signal.aborted) return;
          // A 401 ends the session through the client; anything else is worth another try.
          if (asProblem(error).status === 401) return;
        }
        if (abort.signal.aborted) return;
        setState('reconnecting');
        await new Promise((resolve) => setTimeout(resolve, pause));
        pause = Math.min(pause * 2, 15_000);
      }
    };
    void run();
    return () => abort.abort();
  }, [client, path]);
  return state;
}
