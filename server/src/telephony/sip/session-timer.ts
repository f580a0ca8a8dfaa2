// RFC 4028 session timers for one INVITE dialog usage (after pjsip's sip_timer.c): the Session-Expires and
// Min-SE we send and answer, who refreshes, the refresh by UPDATE or re-INVITE with its retries, and expiry.
import { getHeader, headerTokens, type SipHeader, type SipRequest, type SipResponse } from './message.ts';
import { SipStatus } from './status.ts';
import { realTimers, type TimerHandle, type TimerSource } from './timer-source.ts';

export interface SessionTimerConfig {
  enabled: boolean;
  /** Session interval we ask for, seconds (RFC 4028 recommends 1800). */
  sessionExpires: number;
  /** Smallest interval we accept, seconds; RFC 4028 requires ≥ 90 in production. */
  minSE: number;
}

export const defaultSessionTimer: SessionTimerConfig = { enabled: true, sessionExpires: 1800, minSE: 90 };

/** The headers of an initial INVITE: the interval we ask for, no refresher yet (RFC 4028 §7.1). */
export function sessionTimerOfferHeaders(config: SessionTimerConfig): SipHeader[] {
  if (!config.enabled) return [];
  return [
    { name: 'Session-Expires', value: String(config.sessionExpires) },
    { name: 'Min-SE', value: String(config.minSE) },
  ];
}

function parseSessionExpires(
  message: SipRequest | SipResponse,
): { interval: number; refresher?: string } | null {
  const value = getHeader(message, 'Session-Expires');
  const m = value ? /^\s*(\d{1,9})\s*(?:;(.*))?$/.exec(value) : null;
  if (!m) return null;
  const refresher = /(?:^|;)\s*refresher\s*=\s*(uac|uas)/i.exec(m[2] ?? '')?.[1]?.toLowerCase();
  return { interval: Number(m[1]), refresher };
}

/** What the timer needs from the call it keeps alive. */
export interface SessionTimerCall {
  /** The dialog is confirmed: refreshes and expiry only apply then. */
  confirmed(): boolean;
  /** An offer is in progress in either direction: a refresh must wait for it. */
  offerPending(): boolean;
  /** Sends the refresh in the dialog and settles with its final response. */
  sendRefresh(method: 'UPDATE' | 'INVITE'): Promise<SipResponse>;
  /** Nobody refreshed in time (RFC 4028 §10): the call must end. */
  expired(): void;
}

export class SessionTimer {
  /** Current session interval in seconds, once negotiated. */
  interval?: number;
  /** Whether we are the refresher. */
  weRefresh = false;
  private peerAllowsUpdate = false;
  private timer?: TimerHandle;
  private stopped = false;

  constructor(
    private readonly config: SessionTimerConfig,
    private readonly call: SessionTimerCall,
    private readonly clock: TimerSource = realTimers,
  ) {}

  /** Headers for a session-timer-aware request we send (initial INVITE, re-INVITE, UPDATE). */
  requestHeaders(): SipHeader[] {
    if (!this.config.enabled) return [];
    if (this.interval === undefined) return sessionTimerOfferHeaders(this.config);
    return [
      { name: 'Session-Expires', value: `${this.interval};refresher=${this.weRefresh ? 'uac' : 'uas'}` },
      { name: 'Min-SE', value: String(this.config.minSE) },
    ];
  }

  /** RFC 4028 §8: a Session-Expires below our Min-SE is refused with 422; these are that response's headers. */
  refusal(request: SipRequest): SipHeader[] | undefined {
    const se = parseSessionExpires(request);
    const { enabled, minSE } = this.config;
    if (!enabled || !se || se.interval >= minSE) return undefined;
    return [{ name: 'Min-SE', value: String(minSE) }];
  }

  /**
   * We answer a request carrying Session-Expires (RFC 4028 §9): keep its interval, let it name
   * the refresher, and otherwise refresh ourselves. Returns the headers for our 2xx.
   */
  answerRequest(request: SipRequest): SipHeader[] {
    const se = parseSessionExpires(request);
    if (!this.config.enabled || !se) {
      if (this.interval !== undefined) this.start(this.interval, this.weRefresh);
      return [];
    }
    const uacSupports = headerTokens(request, 'Supported').includes('timer');
    let refresher = se.refresher;
    if (!uacSupports) refresher = 'uas';
    else if (!refresher) refresher = this.interval !== undefined && !this.weRefresh ? 'uac' : 'uas';
    this.start(se.interval, refresher === 'uas');
    const headers: SipHeader[] = [
      { name: 'Session-Expires', value: `${se.interval};refresher=${refresher}` },
    ];
    if (uacSupports) headers.push({ name: 'Require', value: 'timer' });
    return headers;
  }

  /** The 2xx to a request we sent (RFC 4028 §7.2): the refresher it names, or us if it is silent. */
  acceptResponse(response: SipResponse): void {
    if (!this.config.enabled) return;
    this.peerAllowsUpdate = headerTokens(response, 'Allow').includes('update') || this.peerAllowsUpdate;
    const se = parseSessionExpires(response);
    if (se) this.start(se.interval, se.refresher !== 'uas');
    else this.start(this.interval ?? this.config.sessionExpires, true);
  }

  /** The far end's Allow: a refresh goes by UPDATE when it takes one (RFC 4028 §7.4 prefers it). */
  noteAllow(message: SipRequest | SipResponse): void {
    this.peerAllowsUpdate = headerTokens(message, 'Allow').includes('update');
  }

  /** The call is over: no more refreshes or expiry. */
  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private start(interval: number, weRefresh: boolean): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    if (this.stopped) return;
    this.interval = interval;
    this.weRefresh = weRefresh;
    if (weRefresh) {
      this.timer = this.clock.setTimeout(() => this.refresh(), (interval * 1000) / 2);
    } else {
      // RFC 4028 §10: give the refresher until interval minus min(32 s, interval/3).
      const grace = Math.min(32, interval / 3);
      this.timer = this.clock.setTimeout(
        () => {
          if (this.call.confirmed()) this.call.expired();
        },
        (interval - grace) * 1000,
      );
    }
  }

  private retry(ms: number): void {
    this.timer = this.clock.setTimeout(() => this.refresh(), ms);
  }

  private refresh(): void {
    if (!this.call.confirmed()) return;
    if (this.call.offerPending()) {
      this.retry(500);
      return;
    }
    void this.call.sendRefresh(this.peerAllowsUpdate ? 'UPDATE' : 'INVITE').then((res) => {
      if (res.status < 300) return;
      if (res.status === SipStatus.SessionIntervalTooSmall) {
        const min = Number(getHeader(res, 'Min-SE'));
        if (min > 0) this.interval = min;
        this.refresh();
      } else if (res.status === SipStatus.RequestPending) {
        this.retry(2000);
      } else if (
        this.call.confirmed() &&
        res.status !== SipStatus.RequestTimeout &&
        res.status !== SipStatus.CallDoesNotExist
      ) {
        // A failed refresh leaves the session as it was (RFC 4028 §10): try again with re-INVITE.
        this.peerAllowsUpdate = false;
        this.retry(1000);
      }
    });
  }
}
