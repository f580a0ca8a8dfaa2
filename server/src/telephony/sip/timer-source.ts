// Where the SIP stack's timers come from: the real clock in production, a virtual one in tests, so the
// RFC 3261 §17 schedules can be checked to the millisecond without depending on how busy the machine is.

export type TimerHandle = unknown;

export interface TimerSource {
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export const realTimers: TimerSource = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
