// A local S3-compatible server for tests and `npm run cluster`: s3rver (npm, MIT), which keeps
// objects as files in its own directory and answers the S3 REST calls the appliance makes
// (PutObject, GetObject, HeadObject, DeleteObject, ListObjectsV2) and checks AWS signatures.
// MinIO's community edition no longer ships binaries, and nothing else S3-compatible installs
// from Debian's or npm's registries without a download at run time.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

export interface LocalS3 {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  bucket: string;
  pid: number;
  /** FAXSEAL_BLOB_URL for an appliance that keeps its blobs here, under `prefix/`. */
  blobUrl(prefix?: string): string;
  stop(): Promise<void>;
}

// s3rver's fixed credentials: it checks signatures made with them.
const ACCESS_KEY = 'S3RVER';
const SECRET = 'S3RVER';

export async function startLocalS3(options: {
  directory: string;
  bucket?: string;
  port?: number;
}): Promise<LocalS3> {
  const bucket = options.bucket ?? 'faxseal';
  const script = fileURLToPath(new URL('./local-s3-server.ts', import.meta.url));
  const child = spawn(
    process.execPath,
    // s3rver ciphers ListObjectsV2 continuation tokens with DES, which OpenSSL 3 keeps in its
    // legacy provider: without it every list past one page answers 500.
    [
      '--openssl-legacy-provider',
      '--import',
      'tsx',
      script,
      options.directory,
      bucket,
      String(options.port ?? 0),
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n')) resolve((JSON.parse(line) as { port: number }).port);
    });
    child.once('exit', (code) => reject(new Error(`the local S3 server exited (${code}) before listening`)));
  });
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    bucket,
    pid: child.pid!,
    blobUrl: (prefix = '') =>
      `s3://${ACCESS_KEY}:${SECRET}@${bucket}/${prefix}?endpoint=${encodeURIComponent(endpoint)}`,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}
