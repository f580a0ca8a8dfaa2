// A SIP trunk as the admin API shows and accepts it (/api/admin/trunks), and its live status. The
// trunk repository returns these types; the password is write-only and never part of them.

import { type Static, Type } from 'typebox';
import { literals, nullable, Timestamp } from '../../http/schema.ts';

export const CodecSchema = literals('pcmu', 'pcma');
export const TrunkModeSchema = Type.Union([Type.Literal('peer'), Type.Literal('register')], {
  description: 'peer: recognised by source address; register: we REGISTER with the carrier',
});
export const SipTransportSchema = literals('udp', 'tcp', 'tls');

export const TrunkSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  mode: literals('peer', 'register'),
  host: Type.String(),
  port: Type.Integer(),
  transport: SipTransportSchema,
  username: nullable(Type.String()),
  hasPassword: Type.Boolean({ description: 'Passwords are write-only: only whether one is set is shown' }),
  /** Source addresses (IPs or CIDRs) whose requests belong to this trunk. */
  allowedIps: Type.Array(Type.String()),
  outbound: Type.Boolean(),
  codecs: Type.Array(CodecSchema),
  t38: Type.Boolean(),
  createdAt: Timestamp,
});

const Cidr = Type.String({ maxLength: 64, description: 'IP address or CIDR, e.g. 203.0.113.0/24' });

/** The writable fields: all of them on create (with defaults), any of them on PATCH. */
export const TrunkFields = {
  name: Type.String({ minLength: 1, maxLength: 64, pattern: '^[\\w .-]+$' }),
  mode: TrunkModeSchema,
  host: Type.String({ minLength: 1, maxLength: 253, pattern: '^[A-Za-z0-9.:-]+$' }),
  port: Type.Integer({ minimum: 1, maximum: 65535 }),
  transport: SipTransportSchema,
  username: nullable(Type.String({ minLength: 1, maxLength: 128 })),
  password: nullable(Type.String({ minLength: 1, maxLength: 256, description: 'Write-only' })),
  allowedIps: Type.Array(Cidr, { maxItems: 64 }),
  outbound: Type.Boolean({ description: 'Outbound faxes may leave through this trunk' }),
  codecs: Type.Array(CodecSchema, { minItems: 1, maxItems: 2, uniqueItems: true }),
  t38: Type.Boolean({
    description:
      'On: offer T.38 first (G.711 is the fallback) and move audio calls to T.38 by re-INVITE. Off: G.711 pass-through only — T.38 is never offered, answered or re-INVITEd to on this trunk',
  }),
};

export const OptionsProbeSchema = Type.Object({
  at: Timestamp,
  /** SIP status of the answer; 408 when nothing came back, 503 when the trunk was unreachable. */
  status: Type.Integer(),
  latencyMs: Type.Integer(),
});

export const TrunkStatusSchema = Type.Object({
  registration: nullable(
    Type.Object({
      status: Type.String({ description: 'unregistered, registering, registered or failed' }),
      aor: Type.String(),
      code: Type.Optional(Type.Integer()),
      reason: Type.Optional(Type.String()),
      expires: Type.Optional(Type.Integer()),
      at: Timestamp,
    }),
  ),
  lastOptions: nullable(OptionsProbeSchema),
});

/** What a test call through the trunk answered, and how a fax would have failed. */
export const TestCallSchema = Type.Object({
  answered: Type.Boolean(),
  status: Type.Integer({ description: 'SIP final status' }),
  reason: Type.String(),
  failureCode: nullable(Type.String()),
  durationMs: Type.Integer(),
});

export type Trunk = Static<typeof TrunkSchema>;
export type Codec = Static<typeof CodecSchema>;
export type TrunkMode = Static<typeof TrunkModeSchema>;
export type SipTransportName = Static<typeof SipTransportSchema>;
export type OptionsProbe = Static<typeof OptionsProbeSchema>;
export type TrunkStatus = Static<typeof TrunkStatusSchema>;
export type TestCall = Static<typeof TestCallSchema>;

/** A trunk to create: every API field but the generated ones, and the password to seal. */
export type NewTrunk = Omit<Trunk, 'id' | 'hasPassword' | 'createdAt'> & { password?: string | null };
export type TrunkPatch = Partial<NewTrunk>;
