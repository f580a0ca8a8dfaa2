// Failed authentication, limited per client address: every refused key, token or signed link
// counts against a budget per minute and says so in RateLimit-* headers; once it is spent, the
// address gets 429 before its credentials are even looked at, until the window ends.

import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Clock } from '../../clock.ts';
import { Problem } from '../problem.ts';

const WINDOW_MS = 60_000;
/** Past this many tracked addresses, expired windows are swept before a new one is added. */
const SWEEP_AT = 10_000;

declare module 'fastify' {
  interface FastifyInstance {
    authFailures: AuthFailureLimiter;
  }
}

export class AuthFailureLimiter {
  private readonly windows = new Map<string, { failures: number; resetAt: number }>();

  constructor(
    private readonly limit: number,
    private readonly clock: Clock,
  ) {}

  /** Throws 429 when `request`'s address has spent its failures for this window. */
  refuseIfExhausted(request: FastifyRequest): void {
    const window = this.current(request.ip);
    if (!window || window.failures < this.limit) return;
    const reset = this.secondsUntil(window.resetAt);
    throw new Problem(
      429,
      'rate_limited',
      'Too many requests',
      `Too many failed authentication attempts from this address; retry in ${reset} seconds.`,
      {},
      { ...this.headers(0, reset), 'retry-after': String(reset) },
    );
  }

  /** Counts one failure of `request`'s address; `refusal` is the 401 to answer with, given the headers. */
  failed(request: FastifyRequest, refusal: Problem): Problem {
    const now = this.clock.now().getTime();
    let window = this.current(request.ip);
    if (!window) {
      if (this.windows.size >= SWEEP_AT) this.sweep(now);
      window = { failures: 0, resetAt: now + WINDOW_MS };
      this.windows.set(request.ip, window);
    }
    window.failures++;
    const headers = this.headers(
      Math.max(0, this.limit - window.failures),
      this.secondsUntil(window.resetAt),
    );
    return new Problem(refusal.status, refusal.code, refusal.title, refusal.detail, refusal.extra, {
      ...refusal.headers,
      ...headers,
    });
  }

  private current(ip: string): { failures: number; resetAt: number } | null {
    const window = this.windows.get(ip);
    if (!window) return null;
    if (window.resetAt > this.clock.now().getTime()) return window;
    this.windows.delete(ip);
    return null;
  }

  private headers(remaining: number, reset: number): Record<string, string> {
    return {
      'ratelimit-limit': String(this.limit),
      'ratelimit-remaining': String(remaining),
      'ratelimit-reset': String(reset),
    };
  }

  private secondsUntil(at: number): number {
    return Math.max(1, Math.ceil((at - this.clock.now().getTime()) / 1000));
  }

  private sweep(now: number): void {
    for (const [ip, window] of this.windows) if (window.resetAt <= now) this.windows.delete(ip);
  }
}

export function installAuthFailureLimit(app: FastifyInstance, limit: number, clock: Clock): void {
  app.decorate('authFailures', new AuthFailureLimiter(limit, clock));
}
