// A real webhook receiver on 127.0.0.1 for tests and the benchmark: records what arrives and answers
// as the test's handler says (status, delay), so retries, timeouts and signatures can be observed.

import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  headers: http.IncomingHttpHeaders;
  body: string;
  /** 1-based count of requests received for this event id (webhook-id). */
  attemptForEvent: number;
}

export interface ReceiverReply {
  status: number;
  delayMs?: number;
  body?: string;
}

export type ReceiverHandler = (request: ReceivedWebhook) => ReceiverReply;

export interface Receiver {
  url: string;
  port: number;
  received: ReceivedWebhook[];
  /** Resolves once `predicate` holds for the received list (polls; fails after `timeoutMs`). */
  waitFor(predicate: (received: ReceivedWebhook[]) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startReceiver(handler: ReceiverHandler = () => ({ status: 200 })): Promise<Receiver> {
  const received: ReceivedWebhook[] = [];
  const perEvent = new Map<string, number>();
  const timers = new Set<NodeJS.Timeout>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const id = String(req.headers['webhook-id']);
      const attemptForEvent = (perEvent.get(id) ?? 0) + 1;
      perEvent.set(id, attemptForEvent);
      const webhook = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), attemptForEvent };
      received.push(webhook);
      const reply = handler(webhook);
      const send = () => {
        if (!res.destroyed)
          res.writeHead(reply.status, { 'content-type': 'text/plain' }).end(reply.body ?? 'ok');
      };
      if (!reply.delayMs) return send();
      const timer = setTimeout(() => {
        timers.delete(timer);
        send();
      }, reply.delayMs);
      timers.add(timer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/faxseal`,
    port,
    received,
    async waitFor(predicate, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(received)) {
        if (Date.now() > deadline)
          throw new Error(`receiver: condition not met within ${timeoutMs} ms (${received.length} received)`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    async close() {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
