import assert from 'node:assert/strict';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { classifyAddress, UrlPolicy } from '../../src/webhooks/url-policy.ts';

test('classifyAddress refuses every non-public range, including IPv4 carried in IPv6', () => {
  const cases: [string, string | null][] = [
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.10', 'private'],
    ['fd12:3456::1', 'private'],
    ['100.64.0.1', 'cgnat'],
    ['169.254.169.254', 'link_local'],
    ['fe80::1', 'link_local'],
    ['fe80::1%eth0', 'link_local'],
    ['224.0.0.251', 'multicast'],
    ['ff02::1', 'multicast'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['255.255.255.255', 'reserved'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:a9fe:a9fe', 'link_local'],
    ['64:ff9b::c0a8:101', 'private'],
    ['2002:c0a8:0101::1', 'private'],
    ['::127.0.0.1', 'reserved'],
    ['8.8.8.8', null],
    ['172.32.0.1', null],
    ['100.128.0.1', null],
    ['2606:4700:4700::1111', null],
    ['::ffff:8.8.8.8', null],
  ];
  for (const [address, expected] of cases) assert.equal(classifyAddress(address), expected, address);
});

/** Every IPv6 form that carries an IPv4 address, written out by hand for `v4`. */
function ipv6Forms(v4: string): Record<string, string> {
  const [a, b, c, d] = v4.split('.').map(Number);
  const hex = (hi: number, lo: number) => ((hi << 8) | lo).toString(16);
  const high = hex(a, b);
  const low = hex(c, d);
  const inverted = `${hex(a ^ 0xff, b ^ 0xff)}:${hex(c ^ 0xff, d ^ 0xff)}`;
  return {
    mapped: `::ffff:${v4}`,
    'mapped (hex)': `::ffff:${high}:${low}`,
    translated: `::ffff:0:${v4}`,
    'translated (hex)': `0:0:0:0:ffff:0:${high}:${low}`,
    nat64: `64:ff9b::${v4}`,
    '6to4': `2002:${high}:${low}::1`,
    'teredo (client)': `2001:0:4136:e378:8000:63bf:${inverted}`,
    'teredo (server)': `2001:0:${high}:${low}:8000:63bf:f7f7:fbfb`, // client 8.8.4.4
    isatap: `2001:db9:1::5efe:${v4}`,
    'isatap (global)': `2001:db9:1:0:200:5efe:${high}:${low}`,
  };
}

test('every IPv6 form of a private IPv4 address is refused, and of a public one allowed', () => {
  for (const [v4, cls] of [
    ['127.0.0.1', 'loopback'],
    ['10.0.0.1', 'private'],
    ['192.168.1.10', 'private'],
    ['169.254.169.254', 'link_local'],
    ['100.64.0.1', 'cgnat'],
    ['0.0.0.0', 'unspecified'],
  ]) {
    for (const [form, address] of Object.entries(ipv6Forms(v4))) {
      assert.equal(classifyAddress(address), cls, `${v4} ${form}: ${address}`);
      const checked = new UrlPolicy([]).checkUrl(`http://[${address}]/hook`);
      assert.equal(!checked.ok && checked.code, 'private_address', `${v4} ${form} in a URL`);
    }
  }
  for (const [form, address] of Object.entries(ipv6Forms('8.8.8.8'))) {
    // The ISATAP examples sit in 2001:db9::, public space; only the carried address is judged.
    assert.equal(classifyAddress(address), null, `8.8.8.8 ${form}: ${address}`);
  }
  // The probe, verbatim: IPv4-translated loopback.
  const probe = new UrlPolicy([]).checkUrl('http://[::ffff:0:127.0.0.1]/hook');
  assert.equal(!probe.ok && probe.code, 'private_address');
  // Allow-listing the IPv4 network allows its IPv6 forms too.
  assert.equal(new UrlPolicy(['10.0.0.0/8']).checkUrl(`http://[${ipv6Forms('10.0.0.1').nat64}]/`).ok, true);
});

test('checkUrl refuses literal private addresses in any spelling, unless allow-listed', () => {
  const strict = new UrlPolicy([]);
  for (const url of [
    'http://127.0.0.1/hook',
    'http://127.1/hook',
    'http://0x7f000001/hook',
    'http://2130706433/hook',
    'http://[::1]:8080/hook',
    'http://[::ffff:127.0.0.1]/hook',
    'https://10.0.0.5/hook',
    'https://169.254.169.254/latest/meta-data',
    'http://0.0.0.0:8080/',
  ]) {
    const checked = strict.checkUrl(url);
    assert.equal(checked.ok, false, url);
    assert.equal(!checked.ok && checked.code, 'private_address', url);
  }
  assert.equal(strict.checkUrl('https://hooks.example.com/in').ok, true);
  assert.equal(strict.checkUrl('https://8.8.8.8/in').ok, true);
  assert.equal(strict.checkUrl('http://localhost:9/in').ok, true, 'names are checked when they resolve');
  assert.equal(strict.checkUrl('ftp://x.test/').ok, false);
  assert.equal(strict.checkUrl('https://u:p@x.test/').ok, false);
  assert.equal(strict.checkUrl('not a url').ok, false);

  const lan = new UrlPolicy(['10.0.0.0/8', '127.0.0.1', 'ehr.lan', '*.corp.test']);
  assert.equal(lan.checkUrl('https://10.20.30.40/in').ok, true);
  assert.equal(lan.checkUrl('http://127.0.0.1:8080/in').ok, true);
  assert.equal(lan.checkUrl('http://[::ffff:127.0.0.1]/in').ok, true);
  assert.equal(lan.checkUrl('http://127.0.0.2/in').ok, false);
  assert.equal(lan.checkUrl('https://192.168.0.1/in').ok, false);
  assert.equal(lan.refusal('192.168.0.7', 'ehr.lan'), null);
  assert.equal(lan.refusal('192.168.0.7', 'emr.corp.test'), null);
  assert.match(lan.refusal('192.168.0.7', 'other.lan') ?? '', /private/);
});

test('the connection lookup drops refused addresses and fails when none is left', async () => {
  const lookupStrict = promisify(new UrlPolicy([]).lookupFor('localhost')) as (
    host: string,
    options: object,
  ) => Promise<unknown>;
  await assert.rejects(lookupStrict('localhost', {}), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'ERR_FAXSEAL_ADDRESS_REFUSED');
    assert.match(err.message, /loopback/);
    return true;
  });
  const allowed = new UrlPolicy(['127.0.0.1', '::1']).lookupFor('localhost');
  const addresses = await new Promise<unknown>((resolve, reject) =>
    (allowed as unknown as (h: string, o: object, cb: (e: Error | null, a: unknown) => void) => void)(
      'localhost',
      { all: true },
      (err, a) => (err ? reject(err) : resolve(a)),
    ),
  );
  assert.ok(Array.isArray(addresses) && addresses.length > 0);
});
