// The calls the media engine is carrying right now, for the operator's Live calls view: each call's
// phase, pages, bit rate, transport and media loss, as events a server-sent-event stream can follow.
// Ended calls stay listed for a short while so a call that just finished does not vanish unread.

import { EventEmitter } from 'node:events';
import type { MediaEngine } from '../../../native-workers/media/media-engine.ts';
import type { MediaStats } from '../../../native-workers/media/media-protocol.ts';
import type { T30Stats } from '../../../native-workers/spandsp/index.ts';
import type { Clock } from '../clock.ts';
import type { LiveCall } from './live-call-schema.ts';

/** How long an ended call stays in the list. */
export const ENDED_CALL_KEPT_MS = 120_000;

export interface LiveCallEvents {
  call: [LiveCall];
}

export class LiveCalls extends EventEmitter<LiveCallEvents> {
  private readonly calls = new Map<string, LiveCall>();
  private readonly attached = new WeakSet<MediaEngine>();

  constructor(private readonly clock: Clock) {
    super();
    // Every open Live calls page listens; do not warn about them.
    this.setMaxListeners(0);
  }

  /** Follows one media engine's sessions (the appliance has one; attaching twice is harmless). */
  attach(engine: MediaEngine): void {
    if (this.attached.has(engine)) return;
    this.attached.add(engine);
    engine.on('sessionStarted', (e) => {
      this.put({
        id: e.sessionId,
        direction: e.role === 'answering' ? 'inbound' : 'outbound',
        localNumber: e.localIdent ?? null,
        phase: 'connecting',
        transport: e.transport,
        pages: 0,
        bitRate: null,
        ecm: null,
        remoteStationId: null,
        media: { received: 0, lost: 0, recovered: 0 },
        result: null,
        startedAt: this.clock.now().toISOString(),
        endedAt: null,
      });
    });
    engine.on('phaseB', (e) => this.update(e.sessionId, 'negotiated', e.stats, e.media, e.transport));
    engine.on('page', (e) => this.update(e.sessionId, 'pages', e.stats, e.media, undefined, e.page));
    engine.on('completed', (e) => {
      const call = this.update(e.sessionId, 'ended', e.stats, e.media, e.transport, e.pages);
      if (!call) return;
      this.put({ ...call, result: { ok: e.ok, t30Code: e.code, t30Text: e.text }, endedAt: this.now() });
    });
  }

  /** Calls in progress and those ended in the last two minutes, newest first. */
  list(): LiveCall[] {
    const cutoff = this.clock.now().getTime() - ENDED_CALL_KEPT_MS;
    for (const [id, call] of this.calls) {
      if (call.endedAt && Date.parse(call.endedAt) < cutoff) this.calls.delete(id);
    }
    return [...this.calls.values()].sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  }

  private update(
    id: string,
    phase: LiveCall['phase'],
    stats: T30Stats,
    media: MediaStats,
    transport?: LiveCall['transport'],
    pages?: number,
  ): LiveCall | undefined {
    const call = this.calls.get(id);
    if (!call) return undefined;
    return this.put({
      ...call,
      phase,
      transport: transport ?? call.transport,
      pages: pages ?? Math.max(call.pages, stats.pagesRx, stats.pagesTx),
      bitRate: stats.bitRate || call.bitRate,
      ecm: stats.ecm,
      remoteStationId: stats.remoteIdent.trim() || call.remoteStationId,
      media: { received: media.datagramsReceived, lost: media.lost, recovered: media.recovered },
    });
  }

  private put(call: LiveCall): LiveCall {
    this.calls.set(call.id, call);
    this.emit('call', call);
    return call;
  }

  private now(): string {
    return this.clock.now().toISOString();
  }
}
