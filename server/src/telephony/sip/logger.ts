// The logging seam of the SIP stack: any pino-compatible logger fits, tests pass a silent one.
// Message bodies (SDP) are only ever logged at debug level.

export interface SipLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  /** pino's: lets a caller skip building what a disabled level would drop (a message's text). */
  isLevelEnabled?(level: 'debug'): boolean;
}

/** Whether debug lines are kept: without the method (a plain object logger), assume they are. */
export const debugEnabled = (logger: SipLogger): boolean => logger.isLevelEnabled?.('debug') ?? true;

export const silentLogger: SipLogger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  isLevelEnabled: () => false,
};
