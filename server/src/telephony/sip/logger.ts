// The logging seam of the SIP stack: any pino-compatible logger fits, tests pass a silent one.
// Message bodies (SDP) are only ever logged at debug level.

export interface SipLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const silentLogger: SipLogger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};
