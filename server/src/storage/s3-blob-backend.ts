// Blobs in an S3-compatible bucket, shared by every node of a cluster: one object per blob, keyed
// `<prefix><blob id>`. The bytes are already sealed; the bucket never sees a document in the clear.

import { createSyncFn } from 'synckit';
import { assertBlobId, BLOB_ID, type BlobBackend, missingBlob } from './blob-backend.ts';
import { describeTarget, type S3Target } from './s3-blob-url.ts';
import type { S3Request, S3Response } from './s3-blob-worker.ts';

let call: ((request: S3Request) => S3Response) | null = null;

export class S3BlobBackend implements BlobBackend {
  readonly location: string;
  private readonly call: (request: S3Request) => S3Response;

  /** `listPageSize`: keys per ListObjectsV2 page (S3's maximum and default is 1000). */
  constructor(
    private readonly target: S3Target,
    private readonly options: { listPageSize?: number } = {},
  ) {
    this.location = describeTarget(target);
    // One worker per process; the main thread waits at most three attempts of one request.
    call ??= createSyncFn(new URL('./s3-blob-worker.ts', import.meta.url).pathname, {
      timeout: target.requestTimeoutMs * 3 + 5_000,
    });
    this.call = call;
  }

  write(id: string, sealed: Buffer): void {
    this.request({ op: 'put', target: this.target, key: this.key(id), body: sealed });
  }

  read(id: string): Buffer {
    const response = this.request({ op: 'get', target: this.target, key: this.key(id) });
    if (!response.found || !response.body) throw missingBlob(id);
    return Buffer.from(response.body.buffer, response.body.byteOffset, response.body.byteLength);
  }

  exists(id: string): boolean {
    return this.request({ op: 'head', target: this.target, key: this.key(id) }).found === true;
  }

  remove(id: string): void {
    this.request({ op: 'delete', target: this.target, key: this.key(id) });
  }

  *list(): Iterable<string> {
    let continuationToken: string | undefined;
    do {
      const page = this.request({
        op: 'list',
        target: this.target,
        prefix: this.target.prefix,
        continuationToken,
        maxKeys: this.options.listPageSize,
      });
      for (const key of page.keys ?? []) {
        const id = key.slice(this.target.prefix.length);
        if (BLOB_ID.test(id)) yield id;
      }
      continuationToken = page.continuationToken;
    } while (continuationToken);
  }

  private key(id: string): string {
    assertBlobId(id);
    return `${this.target.prefix}${id}`;
  }

  private request(request: S3Request): Extract<S3Response, { ok: true }> {
    const response = this.call(request);
    if (!response.ok) {
      const { name, status, message } = response.error;
      throw new Error(
        `blob storage ${this.location}: ${request.op} failed: ${name}${status ? ` (HTTP ${status})` : ''}: ${message}`,
      );
    }
    return response;
  }
}
