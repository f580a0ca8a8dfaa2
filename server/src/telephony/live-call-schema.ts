// A fax call as the operator's Live calls view shows it (GET /api/admin/calls and its event stream).

import { type Static, Type } from 'typebox';
import { literals, nullable, Timestamp } from '../http/schema.ts';

export const LiveCallSchema = Type.Object({
  id: Type.String({ description: 'The media session: the fax id of an inbound call' }),
  direction: literals('inbound', 'outbound'),
  localNumber: nullable(Type.String({ description: 'Our station id (the number called or calling)' })),
  phase: literals('connecting', 'negotiated', 'pages', 'ended'),
  transport: literals('t38', 'audio'),
  pages: Type.Integer({ description: 'Pages confirmed so far' }),
  bitRate: nullable(Type.Integer({ description: 'Modem rate negotiated in phase B, bit/s' })),
  ecm: nullable(Type.Boolean()),
  remoteStationId: nullable(Type.String({ description: "The far end's TSI/CSI" })),
  media: Type.Object({
    received: Type.Integer({ description: 'Datagrams (T.38) or packets (audio) received' }),
    lost: Type.Integer({ description: 'T.38 IFPs missing from every datagram; audio frames filled in' }),
    recovered: Type.Integer({ description: 'T.38 IFPs rebuilt from redundancy' }),
  }),
  result: nullable(Type.Object({ ok: Type.Boolean(), t30Code: Type.Integer(), t30Text: Type.String() })),
  startedAt: Timestamp,
  endedAt: nullable(Timestamp),
});
export type LiveCall = Static<typeof LiveCallSchema>;

export const LiveCallListSchema = Type.Object({ items: Type.Array(LiveCallSchema) });
export type LiveCallList = Static<typeof LiveCallListSchema>;
