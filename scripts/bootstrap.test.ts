// The bootstrap's choice of Node, as the npm scripts meet it: started by the machine's own `node`
// (Node 20 on these Debian 12 machines), every command it runs gets a Node inside engines.node,
// with that Node's headers for node-gyp.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const range = (
  JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { engines: { node: string } }
).engines.node;

function inRange(version: string): boolean {
  const [want, wantMinor, wantPatch] = (/^\^(\d+)\.(\d+)\.(\d+)$/.exec(range) ?? []).slice(1).map(Number);
  const [major, minor, patch] = version.replace(/^v/, '').split('.').map(Number);
  return major === want && (minor > wantMinor || (minor === wantMinor && patch >= wantPatch));
}

/** The PATH a shell on this machine has: without the project's runtime and node_modules/.bin. */
const machinePath = (process.env.PATH ?? '')
  .split(path.delimiter)
  .filter(
    (dir) => !dir.startsWith(path.join(root, '.runtime')) && !dir.startsWith(path.join(root, 'node_modules')),
  )
  .join(path.delimiter);

function bootstrap(...args: string[]) {
  const env: Record<string, string | undefined> = { ...process.env, PATH: machinePath };
  for (const key of ['NODE', 'npm_node_execpath', 'npm_config_nodedir']) delete env[key];
  // `node` from the machine's PATH, as `npm run` starts it.
  return spawnSync('node', [path.join(root, 'scripts', 'bootstrap.mjs'), ...args], {
    cwd: root,
    env,
    encoding: 'utf8',
  });
}

test('exec runs a command on a Node inside engines.node, with its own headers for node-gyp', () => {
  const script =
    'console.log(JSON.stringify({ version: process.versions.node, execPath: process.execPath, nodedir: process.env.npm_config_nodedir, onPath: require("node:child_process").execFileSync("node", ["-p", "process.version"], { encoding: "utf8" }).trim() }))';
  const r = bootstrap('exec', 'node', '-e', script);
  assert.equal(r.status, 0, r.stderr);
  const seen = JSON.parse(r.stdout) as { version: string; execPath: string; nodedir: string; onPath: string };
  assert.ok(inRange(seen.version), `exec ran Node ${seen.version}, outside ${range}`);
  assert.equal(seen.onPath, `v${seen.version}`, 'a child spawning `node` gets the same Node');
  assert.equal(seen.nodedir, path.resolve(path.dirname(seen.execPath), '..'));
  const header = readFileSync(path.join(seen.nodedir, 'include', 'node', 'node_version.h'), 'utf8');
  assert.match(header, new RegExp(`#define NODE_MAJOR_VERSION ${seen.version.split('.')[0]}\\b`));
});

test('exec passes the exit code on, and env prints a PATH that starts with the supported Node', () => {
  assert.equal(bootstrap('exec', 'node', '-e', 'process.exit(7)').status, 7);
  const env = bootstrap('env');
  assert.equal(env.status, 0, env.stderr);
  const match = /^export PATH='([^']*)'\n$/.exec(env.stdout);
  assert.ok(match, env.stdout);
  const first = match[1].split(path.delimiter)[0];
  const version = spawnSync(path.join(first, 'node'), ['--version'], { encoding: 'utf8' }).stdout.trim();
  assert.ok(inRange(version), `${first}/node is ${version}, outside ${range}`);
});

test('an unknown mode is refused with exit code 2 before anything is installed', () => {
  const r = bootstrap('bogus');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown mode "bogus": use start, test, setup, exec COMMAND \[ARGS\] or env/);
});
