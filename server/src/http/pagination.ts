// Cursor pagination shared by every list endpoint: `limit` (default 50, max 200) and an opaque
// `cursor` naming the last item of the previous page; newest first. The schemas are in schema.ts.

import { DomainError } from '../domain-error.ts';

function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^[a-z]{3,4}_[0-9a-z]{26}$/.test(id)) {
    throw DomainError.invalid([{ field: '/query/cursor', message: 'is not a cursor this API issued' }]);
  }
  return id;
}

/** Fetch one more than asked to know whether a next page exists without counting. */
function page<T extends { id: string }>(rows: T[], limit: number): { items: T[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return {
    items,
    nextCursor: rows.length > limit && last ? Buffer.from(last.id).toString('base64url') : null,
  };
}

/**
 * One page of a newest-first list: `fetch` receives the row window to read (one row more than the
 * page, so a next page is known without counting; `before` from the decoded cursor).
 */
export function listPage<T extends { id: string }>(
  query: { limit?: number; cursor?: string },
  fetch: (window: { limit: number; before: string | undefined }) => T[],
): { items: T[]; nextCursor: string | null } {
  const limit = query.limit ?? 50;
  return page(fetch({ limit: limit + 1, before: decodeCursor(query.cursor) }), limit);
}
