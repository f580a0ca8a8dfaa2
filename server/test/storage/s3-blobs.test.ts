// Blobs in an S3-compatible bucket (FAXSEAL_BLOB_URL) through the real AWS SDK, against a local
// S3 server on loopback (s3rver): sealed before upload, bound to their id, listed for master-key
// rotation, a clear error when the bucket is unreachable, and a whole fax through an appliance whose
// documents live only in the bucket (signed link, byte ranges, purge).

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { type LocalS3, startLocalS3 } from '../../../scripts/local-s3.ts';
import { BlobStore } from '../../src/storage/blob-store.ts';
import { MasterKey } from '../../src/storage/master-key.ts';
import type { MasterKeyCheckRepository } from '../../src/storage/master-key-check-repository.ts';
import { rotateMasterKey } from '../../src/storage/master-key-rotation.ts';
import { S3BlobBackend } from '../../src/storage/s3-blob-backend.ts';
import { parseBlobUrl } from '../../src/storage/s3-blob-url.ts';
import type { SealedColumnRepository } from '../../src/storage/sealed-column-repository.ts';
import { commitInboundFax, documentPages, localUrl, partnerWithNumber } from '../pipeline/inbound-fax.ts';
import { startTestAppliance } from '../support/test-appliance.ts';
import { type Receiver, startReceiver } from '../webhooks/receiver.ts';

let s3: LocalS3;
const scratch = mkdtempSync(path.join(os.tmpdir(), 'faxseal-s3-'));
const bucketDir = path.join(scratch, 's3');

before(async () => {
  s3 = await startLocalS3({ directory: bucketDir });
});
after(async () => {
  await s3.stop();
  rmSync(scratch, { recursive: true, force: true });
});

/** Every file s3rver keeps, concatenated: what someone with the bucket's disk would read. */
function bucketBytes(): Buffer {
  const files = readdirSync(bucketDir, { recursive: true, withFileTypes: true }).filter((f) => f.isFile());
  return Buffer.concat(files.map((f) => readFileSync(path.join(f.parentPath, f.name))));
}

function keyIn(label: string): MasterKey {
  const dir = path.join(scratch, label);
  return MasterKey.load(dir, null);
}

test('FAXSEAL_BLOB_URL parses into a target and refuses what it cannot use', () => {
  const t = parseBlobUrl('s3://AK:S%2FK@fax-docs/node-a?endpoint=http://127.0.0.1:4568/&region=eu-west-1');
  assert.deepEqual(
    { ...t },
    {
      bucket: 'fax-docs',
      prefix: 'node-a/',
      region: 'eu-west-1',
      endpoint: 'http://127.0.0.1:4568',
      forcePathStyle: true,
      credentials: { accessKeyId: 'AK', secretAccessKey: 'S/K' },
      requestTimeoutMs: 30_000,
    },
  );
  assert.equal(parseBlobUrl('s3://fax-docs').forcePathStyle, false, 'AWS itself: virtual-hosted style');
  assert.equal(parseBlobUrl('s3://fax-docs').credentials, null, 'the SDK default chain');
  for (const [raw, why] of [
    ['https://fax-docs', /s3:\/\//],
    ['s3://Fax_Docs', /bucket/],
    ['s3://fax-docs?endpoint=ftp://x', /endpoint/],
    ['s3://AK@fax-docs', /secret/],
    ['s3://fax-docs?pathStyle=maybe', /pathStyle/],
  ] as const)
    assert.throws(() => parseBlobUrl(raw), why, raw);
});

test('blobs go to the bucket sealed, open only under their own id, and are deleted', () => {
  const key = keyIn('sealed');
  const blobs = new BlobStore(new S3BlobBackend(parseBlobUrl(s3.blobUrl('sealed'))), key);
  const pdf = Buffer.from('%PDF-1.7 patient Jane Smith DOB 1985-03-14');
  const id = blobs.put('pdf', pdf);
  assert.deepEqual(blobs.get(id), pdf);
  assert.equal(blobs.exists(id), true);
  assert.ok(!bucketBytes().includes(Buffer.from('Jane Smith')), 'only ciphertext in the bucket');
  assert.ok(!blobs.backend.read(id).includes(Buffer.from('Jane Smith')));

  // Sealed bytes copied under another id do not open: the id is authenticated data.
  const other = blobs.put('pdf', Buffer.from('x'));
  blobs.backend.write(other, blobs.backend.read(id));
  assert.throws(() => blobs.get(other));

  blobs.delete(id);
  assert.equal(blobs.exists(id), false);
  assert.throws(
    () => blobs.get(id),
    (err: NodeJS.ErrnoException) => err.code === 'ENOENT',
  );
  blobs.delete(id); // removing twice is not an error
  assert.throws(() => blobs.get('../../etc/passwd'), /not a blob id/);
});

test('listing walks only the prefix, page after page', () => {
  const key = keyIn('list');
  const a = new BlobStore(new S3BlobBackend(parseBlobUrl(s3.blobUrl('list-a')), { listPageSize: 7 }), key);
  const b = new BlobStore(new S3BlobBackend(parseBlobUrl(s3.blobUrl('list-b'))), key);
  const ids = new Set<string>();
  // Seven keys a page: 30 blobs make the backend follow four continuation tokens.
  for (let i = 0; i < 30; i++) ids.add(a.put('pg', Buffer.from([i])));
  b.put('pg', Buffer.from('elsewhere'));
  const listed = [...a.backend.list()];
  assert.equal(listed.length, 30);
  assert.deepEqual(new Set(listed), ids);
});

test('rotate-master-key re-seals the blobs in the bucket', () => {
  const dir = path.join(scratch, 'rotate');
  const key = MasterKey.load(dir, null);
  const backend = new S3BlobBackend(parseBlobUrl(s3.blobUrl('rotate')));
  const blobs = new BlobStore(backend, key);
  const id = blobs.put('pdf', Buffer.from('lab results'));
  const before = backend.read(id);
  const noSecrets = { resealAll: () => 0 } as unknown as SealedColumnRepository;
  const noDatabase = { replace: () => {} } as unknown as MasterKeyCheckRepository;
  const result = rotateMasterKey(dir, backend, noSecrets, key, noDatabase);
  assert.equal(result.blobs, 1);
  assert.notDeepEqual(backend.read(id), before);
  const rotated = MasterKey.load(dir, null);
  assert.deepEqual(new BlobStore(backend, rotated).get(id), Buffer.from('lab results'));
  assert.throws(() => blobs.get(id), 'the old key no longer opens it');
});

test('an unreachable bucket is a clear error, not a hang', async () => {
  const down = await startLocalS3({ directory: path.join(scratch, 'down') });
  const backend = new S3BlobBackend(parseBlobUrl(`${down.blobUrl('x')}&timeoutMs=1000`));
  await down.stop();
  assert.throws(
    () => new BlobStore(backend, keyIn('down')).put('pdf', Buffer.from('x')),
    /blob storage s3:\/\/faxseal\/x\/ at http:\/\/127\.0\.0\.1:\d+: put failed/,
  );
});

test('an appliance on the bucket keeps no document on its disk and serves the signed PDF from it', async (t) => {
  const receiver: Receiver = await startReceiver();
  const app = await startTestAppliance({ urlAllowlist: ['127.0.0.1'], blobUrl: s3.blobUrl('appliance') });
  t.after(async () => {
    await app.shutdown();
    await receiver.close();
  });
  const partner = await partnerWithNumber(app, 'dr-okafor', { webhookUrl: receiver.url });
  const faxId = await commitInboundFax(app.services, partner.number, await documentPages(1));
  await receiver.waitFor(
    () => receiver.received.some((w) => JSON.parse(w.body).event === 'fax.received'),
    120_000,
  );
  const received = receiver.received.map((w) => JSON.parse(w.body)).find((b) => b.event === 'fax.received');
  assert.equal(received.faxId, faxId);

  assert.equal(existsSync(path.join(app.dataDir, 'blobs')), false, 'no blob directory on the node');
  const stored = [...app.services.blobs.backend.list()];
  assert.ok(stored.length >= 2, `TIFF and PDF in the bucket (${stored.length})`);
  const fax = app.services.faxes.get(faxId)!;
  assert.ok(stored.includes(fax.pdfBlob!));

  const full = await fetch(localUrl(app, received.pdfUrl));
  assert.equal(full.status, 200);
  const pdf = Buffer.from(await full.arrayBuffer());
  assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
  assert.deepEqual(pdf, app.services.blobs.get(fax.pdfBlob!));
  const range = await fetch(localUrl(app, received.pdfUrl), { headers: { range: 'bytes=0-99' } });
  assert.equal(range.status, 206);
  assert.deepEqual(Buffer.from(await range.arrayBuffer()), pdf.subarray(0, 100));
});
