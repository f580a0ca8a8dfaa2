// Where sealed blobs are kept. The BlobStore seals and opens; a backend only keeps bytes under a key:
// a directory on the node's disk (the embedded default) or an S3-compatible bucket shared by nodes.

/** A blob's key is its id (`<prefix>_<32 hex>`): nothing else is ever stored. */
export const BLOB_ID = /^[a-z]{2,8}_[0-9a-f]{32}$/;

export interface BlobBackend {
  /** Stores sealed bytes durably: when it returns, the blob survives a crash of this node. */
  write(id: string, sealed: Buffer): void;
  /** The sealed bytes; throws an error with code `ENOENT` when there is no such blob. */
  read(id: string): Buffer;
  exists(id: string): boolean;
  /** Removes the blob; removing a missing blob is not an error. */
  remove(id: string): void;
  /** Every stored blob id (master-key rotation walks them all). */
  list(): Iterable<string>;
  /** Where the blobs are, for logs and `faxseal doctor` (never credentials). */
  readonly location: string;
}

export function assertBlobId(id: string): void {
  if (!BLOB_ID.test(id)) throw new Error(`not a blob id: ${id}`);
}

export function missingBlob(id: string): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`no such blob: ${id}`);
  err.code = 'ENOENT';
  return err;
}
