// The worker thread that talks to the S3-compatible bucket through the AWS SDK. The main thread
// blocks on each request (synckit: Atomics.wait), so the BlobStore stays synchronous on both
// backends, exactly as the repositories do on PostgreSQL. The SDK's own retry policy (standard
// mode, 3 attempts with backoff) runs here, inside one blocked call.

import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { runAsWorker } from 'synckit';
import type { S3Target } from './s3-blob-url.ts';

export type S3Request =
  | { op: 'put'; target: S3Target; key: string; body: Uint8Array }
  | { op: 'get'; target: S3Target; key: string }
  | { op: 'head'; target: S3Target; key: string }
  | { op: 'delete'; target: S3Target; key: string }
  | { op: 'list'; target: S3Target; prefix: string; continuationToken?: string; maxKeys?: number };

export type S3Response =
  | { ok: true; body?: Uint8Array; found?: boolean; keys?: string[]; continuationToken?: string }
  | { ok: false; error: { message: string; name: string; status?: number } };

const clients = new Map<string, S3Client>();

function client(target: S3Target): S3Client {
  const cacheKey = JSON.stringify(target);
  let c = clients.get(cacheKey);
  if (!c) {
    c = new S3Client({
      region: target.region,
      endpoint: target.endpoint ?? undefined,
      forcePathStyle: target.forcePathStyle,
      credentials: target.credentials ?? undefined,
      maxAttempts: 3,
      requestHandler: { connectionTimeout: 5_000, requestTimeout: target.requestTimeoutMs },
      // Checksums only where S3 requires them: S3-compatible servers do not all read the SDK's
      // trailing-checksum uploads, and every blob carries its own GCM tag anyway.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    clients.set(cacheKey, c);
  }
  return c;
}

const notFound = (err: unknown) =>
  err instanceof S3ServiceException && (err.$metadata.httpStatusCode === 404 || err.name === 'NoSuchKey');

async function handle(request: S3Request): Promise<S3Response> {
  const s3 = client(request.target);
  const Bucket = request.target.bucket;
  switch (request.op) {
    case 'put':
      await s3.send(new PutObjectCommand({ Bucket, Key: request.key, Body: request.body }));
      return { ok: true };
    case 'get':
      try {
        const out = await s3.send(new GetObjectCommand({ Bucket, Key: request.key }));
        return { ok: true, found: true, body: await out.Body!.transformToByteArray() };
      } catch (err) {
        if (notFound(err)) return { ok: true, found: false };
        throw err;
      }
    case 'head':
      try {
        await s3.send(new HeadObjectCommand({ Bucket, Key: request.key }));
        return { ok: true, found: true };
      } catch (err) {
        if (notFound(err)) return { ok: true, found: false };
        throw err;
      }
    case 'delete':
      await s3.send(new DeleteObjectCommand({ Bucket, Key: request.key }));
      return { ok: true };
    case 'list': {
      const out = await s3.send(
        new ListObjectsV2Command({
          Bucket,
          Prefix: request.prefix,
          ContinuationToken: request.continuationToken,
          MaxKeys: request.maxKeys,
        }),
      );
      return {
        ok: true,
        keys: (out.Contents ?? []).map((o) => o.Key!).filter(Boolean),
        continuationToken: out.IsTruncated ? out.NextContinuationToken : undefined,
      };
    }
  }
}

runAsWorker(async (request: S3Request): Promise<S3Response> => {
  try {
    return await handle(request);
  } catch (err) {
    const e = err as Error & { $metadata?: { httpStatusCode?: number } };
    return { ok: false, error: { message: e.message, name: e.name, status: e.$metadata?.httpStatusCode } };
  }
});
