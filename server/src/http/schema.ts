// The schema pieces every resource shares: nullable values, literal sets, the partner's user id,
// timestamps, the page query and the list envelope. Resource shapes build on them in
// <domain>/<resource>-schema.ts.

import { type TLiteral, type TSchema, type TUnion, Type } from 'typebox';
import { Problem } from './problem.ts';

export const nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

type TLiterals<T extends string[]> = TUnion<{ [K in keyof T]: TLiteral<T[K]> }>;

/** One of a fixed set of strings (a status, a tier, a reason): `anyOf` the literals, typed as their union. */
export const literals = <const T extends string[]>(...values: T): TLiterals<T> =>
  Type.Union(values.map((value) => Type.Literal(value))) as TLiterals<T>;

export const Timestamp = Type.String({ format: 'date-time' });

/**
 * A validated RFC 3339 `date-time` as an ISO instant. RFC 3339 allows a leap second (23:59:60),
 * which JavaScript dates cannot hold: it reads as the first instant of the next minute, as POSIX
 * time counts it.
 */
export function toInstant(text: string, field: string): string {
  const leap = /^(.*T\d\d:\d\d:)60(?:\.\d+)?(.*)$/i.exec(text);
  const ms = leap ? Date.parse(`${leap[1]}59${leap[2]}`) + 1000 : Date.parse(text);
  if (Number.isNaN(ms)) throw Problem.validation([{ field, message: 'is not a valid date-time' }]);
  return new Date(ms).toISOString();
}

export const ExternalUserId = Type.String({
  minLength: 1,
  maxLength: 128,
  pattern: '^[\\x21-\\x7e]+$',
  description: 'Your own identifier for the user (visible ASCII, no spaces)',
});

/** `limit` and `cursor`, spread into a route's querystring object. */
export const PageQuery = {
  limit: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 200, default: 50, description: 'Page size (max 200)' }),
  ),
  cursor: Type.Optional(Type.String({ maxLength: 200, description: 'Opaque cursor from the previous page' })),
};

export const NextCursor = Type.Union([Type.String(), Type.Null()], {
  description: 'Pass as `cursor` to get the next page; null on the last page',
});

/** The envelope of every list: newest first, `nextCursor` null on the last page. */
export const Page = <T extends TSchema>(item: T) =>
  Type.Object({ items: Type.Array(item), nextCursor: NextCursor });
