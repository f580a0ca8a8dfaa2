// Counts the SIP traffic nobody asked for (malformed datagrams, refused connections and INVITEs) and logs it as
// one summary line per interval, so a flood of junk costs a log line a minute instead of one per datagram.
// Each event is still logged at debug level, for whoever is chasing one peer.
import type { SipLogger } from './logger.ts';
import { realTimers, type TimerHandle, type TimerSource } from './timer-source.ts';

/** How many source addresses a summary names (the busiest first). */
const TOP_SOURCES = 5;

export class SipNoticeSummary {
  private counts = new Map<string, number>();
  private sources = new Map<string, number>();
  private timer: TimerHandle | undefined;
  private since = 0;

  constructor(
    private readonly logger: SipLogger,
    readonly intervalMs: number,
    private readonly timers: TimerSource = realTimers,
  ) {}

  /** One event of `kind` (e.g. `malformed:bad_header`, `invite_refused:403`) from `source`. */
  note(kind: string, source: string, detail: object = {}): void {
    this.logger.debug({ kind, from: source, ...detail }, 'sip notice');
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
    this.sources.set(source, (this.sources.get(source) ?? 0) + 1);
    if (this.timer === undefined) {
      this.since = Date.now();
      this.timer = this.timers.setTimeout(() => this.flush(), this.intervalMs);
      (this.timer as { unref?: () => void }).unref?.();
    }
  }

  /** Logs what was counted since the last summary (nothing if nothing was) and starts a new interval. */
  flush(): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    if (this.counts.size === 0) return;
    const total = [...this.counts.values()].reduce((a, b) => a + b, 0);
    const topSources = [...this.sources.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, TOP_SOURCES)
      .map(([address, count]) => ({ address, count }));
    this.logger.warn(
      {
        total,
        counts: Object.fromEntries([...this.counts.entries()].sort()),
        topSources,
        sourceCount: this.sources.size,
        seconds: Math.round((Date.now() - this.since) / 1000),
      },
      'sip unsolicited traffic summary',
    );
    this.counts = new Map();
    this.sources = new Map();
  }
}
