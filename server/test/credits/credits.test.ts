// The credits ledger over real HTTP: 20 concurrent sends against 10 credits never overspend and
// the ledger balances exactly; the low-balance email goes out once per crossing; the credit log
// pages; operator adjustments cannot go below zero; the CLI grants.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import { after, before, describe, test } from 'node:test';
import { adminToken, grant, labTrunk, makePdf, sendingPartner, sendMultipart } from '../outbound/support.ts';
import { expectProblem, startTestAppliance, type TestAppliance } from '../support/test-appliance.ts';

describe('credits ledger', { timeout: 120_000 }, () => {
  let app: TestAppliance;
  let blackHole: dgram.Socket;
  before(async () => {
    app = await startTestAppliance({ trunkKeepaliveSeconds: 0 });
    // The lab trunk points at a socket that never answers: sends stay `sending` (no refunds) while we count.
    blackHole = dgram.createSocket('udp4');
    await new Promise<void>((r) => blackHole.bind(0, '127.0.0.1', () => r()));
    const lab = await labTrunk(app);
    const patched = await app.call('PATCH', `/api/admin/trunks/${lab.id}`, {
      key: adminToken(app),
      body: { port: blackHole.address().port },
    });
    assert.equal(patched.status, 200, patched.text);
  });
  after(async () => {
    await app.shutdown();
    blackHole.close();
  });

  // Oldest first, so each entry follows from the one before it.
  const ledgerOf = (partnerId: string) => app.services.credits.log(partnerId, { limit: 10_000 }).reverse();

  test('20 concurrent one-page sends against 10 credits: exactly 10 accepted, balance exact', async () => {
    const partner = await sendingPartner(app, 10);
    const pdf = await makePdf(1);
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        sendMultipart(
          app,
          partner.apiKey,
          { externalUserId: partner.externalUserId, to: '+12125550199' },
          pdf,
        ),
      ),
    );
    const accepted = results.filter((r) => r.status === 202);
    const refused = results.filter((r) => r.status === 402);
    assert.equal(accepted.length, 10, results.map((r) => r.status).join(','));
    assert.equal(refused.length, 10);
    for (const r of refused) {
      const problem = expectProblem(r, 402, 'insufficient_credits');
      assert.equal(problem.balance, 0);
      assert.equal(problem.required, 1);
    }
    for (const r of accepted)
      assert.deepEqual(
        { ...r.body, id: undefined },
        { id: undefined, status: 'queued', pages: 1, creditsReserved: 1 },
      );

    const balance = await app.call('GET', '/api/partner/credits', { key: partner.apiKey });
    assert.deepEqual(balance.body, { balance: 0, lowBalanceThreshold: 10 });
    const ledger = ledgerOf(partner.partnerId);
    // Every entry follows from the one before it; the sum is the balance.
    let running = 0;
    for (const e of ledger) {
      running += e.amount;
      assert.equal(e.balanceAfter, running);
      assert.ok(e.balanceAfter >= 0);
    }
    assert.equal(running, 0);
    const reservations = ledger.filter((e) => e.reason === 'fax_reservation');
    assert.equal(reservations.length, 10);
    assert.deepEqual(
      new Set(reservations.map((e) => e.faxId)),
      new Set(accepted.map((r) => r.body.id as string)),
    );
  });

  test('the low-balance email goes out once per crossing below 10', async () => {
    const partner = await sendingPartner(app, 12);
    const lowEmails = () =>
      app.services.emails
        .sentTo(app.services.partners.get(partner.partnerId)!.email)
        .filter((e) => e.kind === 'low_balance').length;
    const send = async (pages: number) => {
      const r = await sendMultipart(
        app,
        partner.apiKey,
        { externalUserId: partner.externalUserId, to: '+12125550199' },
        await makePdf(pages),
      );
      assert.equal(r.status, 202, r.text);
    };
    await send(3); // 12 → 9: crossing
    await send(1); // 9 → 8: still below, no second email
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(lowEmails(), 1);
    await grant(app, partner.partnerId, 10); // 18: re-armed
    assert.equal(lowEmails(), 1);
    await send(9); // 18 → 9: a new crossing
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(lowEmails(), 2);
  });

  test('the credit log pages newest first with a cursor', async () => {
    const partner = await sendingPartner(app, 5);
    await grant(app, partner.partnerId, 7);
    await grant(app, partner.partnerId, -2);
    const first = await app.call('GET', '/api/partner/credits/log?limit=2', { key: partner.apiKey });
    assert.equal(first.status, 200, first.text);
    assert.deepEqual(
      first.body.items.map((e: { amount: number; balanceAfter: number; reason: string }) => [
        e.amount,
        e.balanceAfter,
        e.reason,
      ]),
      [
        [-2, 10, 'adjustment'],
        [7, 12, 'grant'],
      ],
    );
    assert.ok(first.body.nextCursor);
    const second = await app.call('GET', `/api/partner/credits/log?limit=2&cursor=${first.body.nextCursor}`, {
      key: partner.apiKey,
    });
    assert.deepEqual(
      second.body.items.map((e: { amount: number }) => e.amount),
      [5],
    );
    assert.equal(second.body.nextCursor, null);
  });

  test('an operator cannot take more credits than the balance; unknown partners are 404', async () => {
    const partner = await sendingPartner(app, 3);
    const tooMuch = await app.call('POST', `/api/admin/partners/${partner.partnerId}/credits`, {
      key: adminToken(app),
      body: { amount: -4, note: 'oops' },
    });
    expectProblem(tooMuch, 409, 'insufficient_credits');
    const unknown = await app.call('POST', '/api/admin/partners/ptr_nope/credits', {
      key: adminToken(app),
      body: { amount: 4 },
    });
    expectProblem(unknown, 404, 'partner_not_found');
    assert.equal(app.services.credits.balance(partner.partnerId), 3);
    // The ledger itself refuses edits.
    assert.throws(
      () => app.services.db.prepare('UPDATE credit_entries SET amount = 100').run(),
      /append-only/,
    );
  });

  test('faxseal grant-credits adds credits from the command line', async () => {
    const partner = await sendingPartner(app, 0);
    const cli = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'server/src/cli/main.ts',
        'grant-credits',
        partner.partnerId,
        '25',
        '--reason',
        'pilot',
      ],
      {
        env: {
          ...process.env,
          FAXSEAL_DATA_DIR: app.dataDir,
          FAXSEAL_DATABASE_URL: app.config.databaseUrl ?? '',
          FAXSEAL_LOG_LEVEL: 'silent',
        },
        encoding: 'utf8',
      },
    );
    assert.equal(cli.status, 0, cli.stderr);
    assert.match(cli.stdout, /granted 25 credits; balance 25/);
    const balance = await app.call('GET', '/api/partner/credits', { key: partner.apiKey });
    assert.equal(balance.body.balance, 25);
    const log = await app.call('GET', '/api/partner/credits/log', { key: partner.apiKey });
    assert.equal(log.body.items[0].note, 'pilot');
  });
});
