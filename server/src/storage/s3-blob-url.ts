// FAXSEAL_BLOB_URL: `s3://[ACCESS_KEY:SECRET@]bucket[/prefix]?endpoint=…&region=…&pathStyle=…`.
// Without credentials in the URL the AWS SDK's default chain applies (AWS_ACCESS_KEY_ID and
// AWS_SECRET_ACCESS_KEY, the shared config files, an instance role).

export interface S3Target {
  bucket: string;
  /** Key prefix inside the bucket, '' or ending in '/'. */
  prefix: string;
  region: string;
  /** An S3-compatible server's base URL; null for AWS itself. */
  endpoint: string | null;
  forcePathStyle: boolean;
  credentials: { accessKeyId: string; secretAccessKey: string } | null;
  requestTimeoutMs: number;
}

// S3's bucket naming rules: 3–63 lower-case letters, digits, dots and hyphens.
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export function parseBlobUrl(raw: string): S3Target {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error('is not a URL (s3://bucket?endpoint=…)');
  }
  if (url.protocol !== 's3:')
    throw new Error('must start with s3:// (unset it to keep blobs in the data directory)');
  const bucket = url.hostname;
  if (!BUCKET.test(bucket)) throw new Error(`names no valid bucket ("${bucket}")`);
  const prefix = decodeURIComponent(url.pathname.replace(/^\/+/, ''));
  const endpoint = url.searchParams.get('endpoint');
  if (endpoint !== null && !/^https?:\/\/[^/]+\/?$/.test(endpoint))
    throw new Error('endpoint must be an http(s) base URL, e.g. endpoint=http://127.0.0.1:4568');
  const pathStyle = url.searchParams.get('pathStyle');
  if (pathStyle !== null && pathStyle !== 'true' && pathStyle !== 'false')
    throw new Error('pathStyle is true or false');
  const timeout = Number(url.searchParams.get('timeoutMs') ?? 30_000);
  if (!Number.isInteger(timeout) || timeout < 1_000 || timeout > 600_000)
    throw new Error('timeoutMs is a whole number of milliseconds from 1000 to 600000');
  const user = decodeURIComponent(url.username);
  const secret = decodeURIComponent(url.password);
  if (Boolean(user) !== Boolean(secret))
    throw new Error('gives an access key without its secret, or the reverse');
  return {
    bucket,
    prefix: prefix && !prefix.endsWith('/') ? `${prefix}/` : prefix,
    region: url.searchParams.get('region') ?? 'us-east-1',
    endpoint: endpoint?.replace(/\/$/, '') ?? null,
    // S3-compatible servers mostly answer on one host name: path-style unless told otherwise.
    forcePathStyle: pathStyle === null ? endpoint !== null : pathStyle === 'true',
    credentials: user ? { accessKeyId: user, secretAccessKey: secret } : null,
    requestTimeoutMs: timeout,
  };
}

/** The URL without its credentials, for logs and `faxseal doctor`. */
export function describeTarget(target: S3Target): string {
  return `s3://${target.bucket}/${target.prefix}${target.endpoint ? ` at ${target.endpoint}` : ''}`;
}
