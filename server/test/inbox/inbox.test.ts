// The inbox API over real OCR results: per-user lists, cursor pages, FTS5 search (phrases,
// prefixes, snippets), date filters, bad queries as 400s, fax details with a fresh signed link,
// partner isolation (another partner's fax is 404), usage against the tier allowance, audit entries.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { seededRandom } from '../../../scripts/fixtures/seeded-random.ts';
import { newId } from '../../src/storage/ids.ts';
import {
  addNumber,
  commitInboundFax,
  documentPages,
  localUrl,
  type PartnerWithNumber,
  partnerWithNumber,
  storedInboundFax,
} from '../pipeline/inbound-fax.ts';
import { expectProblem, startTestAppliance, type TestAppliance } from '../support/test-appliance.ts';

let app: TestAppliance;
let a: PartnerWithNumber;
let b: PartnerWithNumber;
const fax = { referral: '', lab: '', invoice: '', otherLab: '' };

before(async () => {
  app = await startTestAppliance({ ocrPoolSize: 2, rateLimitPerMinute: 10_000 });
  a = await partnerWithNumber(app, 'alice');
  await addNumber(app, a.apiKey, 'bob');
  // Partner B uses the same externalUserId: its own namespace.
  b = await partnerWithNumber(app, 'alice');
  const [referral, lab, invoice] = await documentPages(3);
  const bob = app.services.numbers.activeFor(a.partnerId, 'bob')!;
  fax.referral = await commitInboundFax(app.services, a.number, [referral]);
  fax.lab = await commitInboundFax(app.services, a.number, [lab]);
  fax.invoice = await commitInboundFax(app.services, bob, [invoice]);
  fax.otherLab = await commitInboundFax(app.services, b.number, [lab]);
  const deadline = Date.now() + 120_000;
  const pending = () => Object.values(fax).some((id) => app.services.faxes.get(id)?.ocrStatus === 'pending');
  while (pending()) {
    if (Date.now() > deadline) throw new Error('OCR did not finish');
    await new Promise((r) => setTimeout(r, 100));
  }
});
after(() => app.shutdown());

const inbox = (key: string, query: string) => app.call('GET', `/api/partner/inbox${query}`, { key });
const ids = (body: { items: { id: string }[] }) => body.items.map((i) => i.id);

test('lists a partner’s faxes newest first, per user, in cursor pages', async () => {
  const all = await inbox(a.apiKey, '');
  assert.equal(all.status, 200);
  assert.deepEqual(ids(all.body), [fax.invoice, fax.lab, fax.referral]);
  assert.equal(all.body.nextCursor, null);
  assert.deepEqual(ids((await inbox(a.apiKey, '?externalUserId=alice')).body), [fax.lab, fax.referral]);
  const item = all.body.items[1];
  assert.equal(item.externalUserId, 'alice');
  assert.equal(item.ocrStatus, 'done');
  assert.equal(item.pages, 1);
  assert.equal('snippet' in item, false);

  const first = await inbox(a.apiKey, '?limit=2');
  assert.deepEqual(ids(first.body), [fax.invoice, fax.lab]);
  const second = await inbox(a.apiKey, `?limit=2&cursor=${first.body.nextCursor}`);
  assert.deepEqual(ids(second.body), [fax.referral]);
  assert.equal(second.body.nextCursor, null);
});

test('searches OCR text by phrase and prefix, with highlighted snippets', async () => {
  const phrase = await inbox(a.apiKey, `?q=${encodeURIComponent('"chest pain"')}`);
  assert.deepEqual(ids(phrase.body), [fax.referral]);
  assert.match(phrase.body.items[0].snippet, /<mark>chest pain<\/mark>/i);

  const prefix = await inbox(a.apiKey, `?q=${encodeURIComponent('glucos*')}`);
  assert.deepEqual(ids(prefix.body), [fax.lab], 'B’s identical lab fax is not A’s');
  assert.match(prefix.body.items[0].snippet, /<mark>Glucose<\/mark>/);

  assert.deepEqual(ids((await inbox(a.apiKey, `?q=${encodeURIComponent('hemoglob* OR invoice')}`)).body), [
    fax.invoice,
    fax.lab,
  ]);
  assert.deepEqual(ids((await inbox(a.apiKey, '?q=penicillin&externalUserId=bob')).body), []);
  assert.deepEqual(ids((await inbox(a.apiKey, `?q=${encodeURIComponent('"Lakeside Orthopedic"')}`)).body), [
    fax.invoice,
  ]);
});

test('filters by date', async () => {
  const future = new Date(Date.now() + 3600_000).toISOString();
  const past = new Date(Date.now() - 3600_000).toISOString();
  assert.deepEqual(ids((await inbox(a.apiKey, `?since=${future}`)).body), []);
  assert.deepEqual(ids((await inbox(a.apiKey, `?until=${past}`)).body), []);
  assert.equal((await inbox(a.apiKey, `?since=${past}&until=${future}`)).body.items.length, 3);
  expectProblem(await inbox(a.apiKey, '?since=yesterday'), 400, 'validation_failed');
});

test('a malformed search is a 400 problem, never a 500', async () => {
  for (const q of ['"chest pain', 'AND', 'glucose AND', '(glucose', 'glu*cose', '*', 'NOT', 'a OR OR b']) {
    const res = await inbox(a.apiKey, `?q=${encodeURIComponent(q)}`);
    const problem = expectProblem(res, 400, 'invalid_query');
    assert.equal(problem.errors[0].field, '/query/q', q);
  }
  // Punctuation inside a term is searched as text, not parsed as syntax.
  for (const q of ['148/92', 'INV-2024-00871', 'Dr.', 'a:b', "O'Brien", 'x^y', 'NEAR', '-'])
    assert.equal((await inbox(a.apiKey, `?q=${encodeURIComponent(q)}`)).status, 200, q);
  // Whatever a partner types: a result or a 400.
  const random = seededRandom(7);
  const alphabet = [
    '"',
    '*',
    '(',
    ')',
    ' ',
    'AND',
    'OR',
    'NOT',
    'NEAR',
    ':',
    '^',
    '-',
    '+',
    'a',
    'glu',
    '{',
    '}',
    ',',
  ];
  for (let i = 0; i < 150; i++) {
    const q = Array.from(
      { length: 1 + Math.floor(random() * 6) },
      () => alphabet[Math.floor(random() * alphabet.length)],
    ).join('');
    if (q.trim() === '') continue;
    const res = await inbox(a.apiKey, `?q=${encodeURIComponent(q)}`);
    assert.ok(res.status === 200 || res.body.code === 'invalid_query', `${q} → ${res.status} ${res.text}`);
  }
});

test('a fax in full: OCR text per page, overage flag and a fresh signed link; reading it is audited', async () => {
  const res = await app.call('GET', `/api/partner/faxes/${fax.referral}`, { key: a.apiKey });
  assert.equal(res.status, 200);
  const d = res.body;
  assert.equal(d.direction, 'inbound');
  assert.equal(d.status, 'received');
  assert.equal(d.overage, false);
  assert.match(d.ocrText, /Gonzalez/);
  assert.equal(d.pageDetails.length, 1);
  assert.match(d.pageDetails[0].ocrText, /penicillin/);
  assert.equal(d.extractionStatus, 'skipped');
  assert.equal(d.extractedData, null);
  assert.ok(Date.parse(d.pdfUrlExpiresAt) > Date.now());
  assert.equal((await fetch(localUrl(app, d.pdfUrl))).status, 200);
  const reads = app.services.audit.list({ targetId: fax.referral, limit: 10 }).map((e) => e.action);
  assert.ok(reads.includes('fax.content_read'));
  assert.ok(reads.includes('fax.pdf_downloaded'));
});

test('partner B can never list, search or read partner A’s faxes, even with A’s ids', async () => {
  assert.deepEqual(ids((await inbox(b.apiKey, '')).body), [fax.otherLab]);
  assert.deepEqual(ids((await inbox(b.apiKey, '?q=chest')).body), []);
  const foreign = await app.call('GET', `/api/partner/faxes/${fax.referral}`, { key: b.apiKey });
  const missing = await app.call('GET', `/api/partner/faxes/${newId('fax')}`, { key: b.apiKey });
  const p1 = expectProblem(foreign, 404, 'fax_not_found');
  const p2 = expectProblem(missing, 404, 'fax_not_found');
  assert.deepEqual(
    Object.keys(p1).sort(),
    Object.keys(p2).sort(),
    'indistinguishable from a fax that does not exist',
  );
  const own = await app.call('GET', `/api/partner/faxes/${fax.otherLab}`, { key: b.apiKey });
  assert.equal(own.status, 200);
  assert.ok(own.body.pdfUrl.includes(fax.otherLab));
});

test('usage: inbound pages per number this month against the allowance, overage counted', async () => {
  const bob = app.services.numbers.activeFor(a.partnerId, 'bob')!;
  // 250 pages already this month on bob's personal number (allowance 200).
  app.services.faxes.insertInbound(storedInboundFax(bob, 250, { overage: true }), []);
  const now = new Date();
  const month = `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
  const res = await app.call('GET', `/api/partner/usage?month=${month}`, { key: a.apiKey });
  assert.equal(res.status, 200);
  const byUser = Object.fromEntries(
    res.body.numbers.map((n: { externalUserId: string }) => [n.externalUserId, n]),
  );
  assert.equal(byUser.alice.inboundPages, 2);
  assert.equal(byUser.alice.allowancePages, 200);
  assert.equal(byUser.alice.overagePages, 0);
  assert.equal(byUser.bob.inboundPages, 251);
  assert.equal(byUser.bob.overagePages, 51);
  assert.deepEqual(res.body.totals, { inboundPages: 253, overagePages: 51 });
  const lastYear = await app.call('GET', `/api/partner/usage?month=${now.getUTCFullYear() - 1}-01`, {
    key: a.apiKey,
  });
  assert.deepEqual(lastYear.body.numbers, [], 'no number was active then');
  expectProblem(
    await app.call('GET', '/api/partner/usage?month=2024-13', { key: a.apiKey }),
    400,
    'validation_failed',
  );
});
