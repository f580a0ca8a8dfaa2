// Sessions as their owner lists them (the portal's and the console's "where you are signed in").

import { type Static, Type } from 'typebox';
import { nullable, Timestamp } from '../http/schema.ts';

export const SessionSchema = Type.Object({
  id: Type.String(),
  createdAt: Timestamp,
  lastSeenAt: Timestamp,
  expiresAt: Type.String({ format: 'date-time', description: 'Absolute end of the session' }),
  idleExpiresAt: Type.String({
    format: 'date-time',
    description: 'When the session ends without activity (moves on with every request)',
  }),
  ip: nullable(Type.String()),
  userAgent: nullable(Type.String()),
  current: Type.Boolean({ description: 'The session this request was made with' }),
});
export type Session = Static<typeof SessionSchema>;

export const SessionListSchema = Type.Object({ items: Type.Array(SessionSchema) });

export const SessionIdParamsSchema = Type.Object({ id: Type.String({ pattern: '^ses_[0-9a-z]{26}$' }) });

export const SignedOutSchema = Type.Object({
  signedOut: Type.Integer({ description: 'Sessions ended by this request' }),
});
