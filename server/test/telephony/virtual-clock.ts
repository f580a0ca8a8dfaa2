// A virtual clock for the SIP stack's TimerSource: time moves only when a test advances it, and timers
// fire in due order (those scheduled while firing included), so RFC 3261 schedules are exact.
import type { TimerHandle, TimerSource } from '../../src/telephony/sip/timer-source.ts';

interface Pending {
  id: number;
  due: number;
  fn: () => void;
}

export class VirtualClock implements TimerSource {
  now = 0;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer = { id: this.nextId++, due: this.now + Math.max(0, ms), fn };
    this.pending.set(timer.id, timer);
    return timer.id;
  }

  clearTimeout(handle: TimerHandle): void {
    this.pending.delete(handle as number);
  }

  /** Timers still waiting to fire. */
  get size(): number {
    return this.pending.size;
  }

  /** Moves time forward by `ms`, firing every timer that falls due, earliest (then oldest) first. */
  advance(ms: number): void {
    const until = this.now + ms;
    for (;;) {
      let next: Pending | undefined;
      for (const t of this.pending.values()) {
        if (t.due <= until && (!next || t.due < next.due || (t.due === next.due && t.id < next.id))) next = t;
      }
      if (!next) break;
      this.pending.delete(next.id);
      this.now = next.due;
      next.fn();
    }
    this.now = until;
  }

  /** Advances to `at` (absolute virtual ms). */
  advanceTo(at: number): void {
    this.advance(at - this.now);
  }
}
