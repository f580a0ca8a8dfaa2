// The local S3-compatible server as its own process (local-s3.ts starts it): the appliance blocks
// its main thread on blob requests, so the server must never share a process with it.
// Usage: tsx scripts/local-s3-server.ts <directory> <bucket> [port] [--detached]; prints {"port":N}
// when listening. Attached (the tests), it stops when its parent's pipe closes; detached
// (`npm run cluster`), only on SIGTERM.

import S3rver from 's3rver';

const args = process.argv.slice(2).filter((a) => a !== '--detached');
const detached = process.argv.includes('--detached');
const [directory, bucket, port] = args;
if (!directory || !bucket) {
  process.stderr.write('usage: local-s3-server.ts <directory> <bucket> [port]\n');
  process.exit(2);
}
const server = new S3rver({
  address: '127.0.0.1',
  port: Number(port ?? 0),
  silent: true,
  directory,
  configureBuckets: [{ name: bucket, configs: [] }],
});
const address = (await server.run()) as { port: number };
process.stdout.write(`${JSON.stringify({ port: address.port })}\n`);
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// The parent's death closes stdin: no orphaned server outlives a killed test run.
if (!detached) process.stdin.on('end', stop).resume();
