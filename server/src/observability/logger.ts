// The appliance's pino logger. Secrets never reach a log line: authorization headers, keys,
// tokens and passwords are redacted by path, and URLs lose their query strings (one-time tokens).

import pino, { type Logger } from 'pino';

export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["idempotency-key"]',
  'headers.authorization',
  '*.apiKey',
  '*.secret',
  '*.password',
  '*.token',
  '*.webhookSecret',
  'apiKey',
  'secret',
  'password',
  'token',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      serializers: {
        req: (req: { method: string; url: string; id: string; ip?: string }) => ({
          id: req.id,
          method: req.method,
          url: stripQuery(req.url),
          ip: req.ip,
        }),
      },
    },
    destination,
  );
}

export function stripQuery(url: string): string {
  const i = url.indexOf('?');
  return i === -1 ? url : `${url.slice(0, i)}?…`;
}
