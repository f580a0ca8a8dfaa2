import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { InvalidConfigError, loadConfig } from '../../src/config/config.ts';

test('defaults work on a laptop with no environment', () => {
  const config = loadConfig({});
  assert.equal(config.httpHost, '127.0.0.1');
  assert.equal(config.httpPort, 8080);
  assert.equal(config.sipHost, '127.0.0.1');
  assert.equal(config.sipPort, 5060);
  assert.deepEqual(config.mediaPorts, { first: 20000, last: 20999 });
  assert.equal(config.smtpUrl, null);
  assert.equal(config.dataDir, path.resolve('data'));
  assert.equal(config.publicUrl, 'http://127.0.0.1:8080');
  assert.equal(config.rateLimitPerMinute, 60);
});

test('environment variables override defaults and derived defaults follow', () => {
  const config = loadConfig({
    FAXSEAL_HTTP_PORT: '9090',
    FAXSEAL_MEDIA_PORTS: '30000-30099',
    FAXSEAL_SMTP_URL: 'smtp://relay.example:2525',
    FAXSEAL_URL_ALLOWLIST: '10.0.0.0/8, ehr.lan',
  });
  assert.equal(config.httpPort, 9090);
  assert.equal(config.publicUrl, 'http://127.0.0.1:9090');
  assert.deepEqual(config.mediaPorts, { first: 30000, last: 30099 });
  assert.equal(config.smtpUrl, 'smtp://relay.example:2525');
  assert.deepEqual(config.urlAllowlist, ['10.0.0.0/8', 'ehr.lan']);
});

test('invalid and unknown variables stop start-up, each named', () => {
  assert.throws(
    () =>
      loadConfig({
        FAXSEAL_HTTP_PORT: 'eighty',
        FAXSEAL_MEDIA_PORTS: '5-4',
        FAXSEAL_PUBLIC_URL: 'ftp://x',
        FAXSEAL_SIP_PROT: '5060',
        FAXSEAL_MASTER_KEY: 'c2hvcnQ=',
      }),
    (err: unknown) => {
      assert.ok(err instanceof InvalidConfigError);
      const text = err.problems.join('\n');
      assert.match(text, /FAXSEAL_HTTP_PORT="eighty"/);
      assert.match(text, /FAXSEAL_MEDIA_PORTS="5-4"/);
      assert.match(text, /FAXSEAL_PUBLIC_URL="ftp:\/\/x": must be http\(s\)/);
      assert.match(text, /FAXSEAL_SIP_PROT: unknown setting/);
      // Secrets are never echoed, even when wrong.
      assert.match(text, /FAXSEAL_MASTER_KEY=\(hidden\)/);
      assert.doesNotMatch(text, /c2hvcnQ=/);
      assert.equal(err.problems.length, 5);
      return true;
    },
  );
});

test('a JSON config file supplies values; the environment wins over it', (t) => {
  const file = path.join(os.tmpdir(), `faxseal-config-${process.pid}.json`);
  t.after(() => rmSync(file, { force: true }));
  writeFileSync(file, JSON.stringify({ httpPort: 8181, sipPort: 5070 }));
  const config = loadConfig({ FAXSEAL_CONFIG: file, FAXSEAL_SIP_PORT: '5080' });
  assert.equal(config.httpPort, 8181);
  assert.equal(config.sipPort, 5080);
  writeFileSync(file, JSON.stringify({ httpPrt: 1 }));
  assert.throws(() => loadConfig({ FAXSEAL_CONFIG: file }), /unknown key "httpPrt"/);
});
