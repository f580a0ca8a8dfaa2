// The `idempotency_records` table: the first request under each (scope, Idempotency-Key), its
// request hash, and once it finished the response to replay. Records older than 24 h are dropped.
// A replayed response can hold a new API key or webhook secret: the body is sealed with the master key.

import type { Db } from '../storage/database.ts';
import type { MasterKey } from '../storage/master-key.ts';
import { columnContext } from '../storage/sealed-column-repository.ts';

export interface IdempotencyRecord {
  requestHash: string;
  /** null while the first request is still running. */
  statusCode: number | null;
  responseBody: string;
  responseType: string;
}

export interface IdempotencyResponse {
  statusCode: number;
  body: string;
  contentType: string;
}

const bodyContext = (scope: string, key: string) =>
  columnContext('idempotency_records', 'response_body', scope, key);

export class IdempotencyRepository {
  constructor(
    private readonly db: Db,
    private readonly masterKey: MasterKey,
  ) {}

  /** Claims the key for a new request; false when a record for it exists already. */
  claim(scope: string, key: string, requestHash: string, at: string): boolean {
    return (
      this.db
        .prepare(
          `INSERT INTO idempotency_records (scope, idempotency_key, request_hash, created_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (scope, idempotency_key) DO NOTHING`,
        )
        .run(scope, key, requestHash, at).changes === 1
    );
  }

  get(scope: string, key: string): IdempotencyRecord | null {
    const row = this.db
      .prepare('SELECT * FROM idempotency_records WHERE scope = ? AND idempotency_key = ?')
      .get(scope, key) as
      | {
          request_hash: string;
          status_code: number | null;
          response_body: string | null;
          response_type: string;
        }
      | undefined;
    return row
      ? {
          requestHash: row.request_hash,
          statusCode: row.status_code,
          responseBody: this.masterKey.openColumn(row.response_body, bodyContext(scope, key)) ?? '',
          responseType: row.response_type,
        }
      : null;
  }

  complete(scope: string, key: string, response: IdempotencyResponse): void {
    this.db
      .prepare(
        'UPDATE idempotency_records SET status_code = ?, response_body = ?, response_type = ? WHERE scope = ? AND idempotency_key = ?',
      )
      .run(
        response.statusCode,
        this.masterKey.sealString(response.body, bodyContext(scope, key)),
        response.contentType,
        scope,
        key,
      );
  }

  release(scope: string, key: string): void {
    this.db
      .prepare('DELETE FROM idempotency_records WHERE scope = ? AND idempotency_key = ?')
      .run(scope, key);
  }

  deleteOlderThan(cutoff: string): void {
    this.db.prepare('DELETE FROM idempotency_records WHERE created_at < ?').run(cutoff);
  }
}
