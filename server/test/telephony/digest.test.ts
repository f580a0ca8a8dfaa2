import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  authorizationHeader,
  DigestAlgorithm,
  digestResponse,
  parseChallenge,
  pickChallenge,
} from '../../src/telephony/sip/digest.ts';

// RFC 7616 §3.9.1 test vectors (MD5 and SHA-256, qop=auth).
const challenge = {
  realm: 'http-auth@example.org',
  nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
  opaque: 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS',
  qop: ['auth'],
  stale: false,
};
const input = {
  credentials: { username: 'Mufasa', password: 'Circle of Life' },
  method: 'GET',
  uri: '/dir/index.html',
  nonceCount: 1,
  cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
};

test('digest responses match the RFC 7616 vectors', () => {
  assert.equal(
    digestResponse({ ...input, challenge: { ...challenge, algorithm: DigestAlgorithm.Md5 } }),
    '8ca523f5e9506fed4657c9700eebdbec',
  );
  assert.equal(
    digestResponse({ ...input, challenge: { ...challenge, algorithm: DigestAlgorithm.Sha256 } }),
    '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1',
  );
});

test('challenges: parsing, SHA-256 preferred, Authorization carries every field', () => {
  const md5 = 'Digest realm="sip.example", nonce="abc", qop="auth,auth-int", opaque="o"';
  const sha = 'Digest realm="sip.example", nonce="abc", qop="auth", algorithm=SHA-256';
  assert.deepEqual(parseChallenge(md5), {
    realm: 'sip.example',
    nonce: 'abc',
    opaque: 'o',
    algorithm: DigestAlgorithm.Md5,
    qop: ['auth', 'auth-int'],
    stale: false,
  });
  assert.equal(pickChallenge([md5, sha])?.algorithm, DigestAlgorithm.Sha256);
  assert.equal(parseChallenge('Basic realm="x"'), null);
  assert.equal(parseChallenge('Digest realm="x", nonce="n", algorithm=SHA-512'), null);
  const header = authorizationHeader({
    challenge: parseChallenge(md5)!,
    credentials: { username: 'u', password: 'p' },
    method: 'REGISTER',
    uri: 'sip:sip.example',
    cnonce: 'c',
  });
  assert.match(
    header,
    /^Digest username="u", realm="sip.example", nonce="abc", uri="sip:sip.example", response="[0-9a-f]{32}", algorithm=MD5, opaque="o", qop=auth, nc=00000001, cnonce="c"$/,
  );
});
