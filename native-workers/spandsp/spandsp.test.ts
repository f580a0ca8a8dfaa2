// In-process tests of the spandsp addon: terminals wired back to back with NO_PACING, pages compared pixel
// for pixel. Real-time and network behaviour is tested in native-workers/media.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { T30CompletionCode, T38TerminalOption } from './codes.ts';
import {
  AudioFax,
  completionCodeToText,
  configureT30,
  readFaxTiff,
  type T30Event,
  T38Terminal,
  writeFaxTiff,
} from './index.ts';
import { drawSyntheticPage, firstDifferentPage } from './synthetic-page.ts';

const dir = mkdtempSync(join(tmpdir(), 'faxseal-spandsp-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const twoPages = [
  drawSyntheticPage({ seed: 11, height: 2156 }),
  drawSyntheticPage({ seed: 12, height: 2156 }),
];

/** Runs two back-to-back T.38 terminals to the end; IFPs hop through a queue so neither re-enters spandsp. */
function faxOverT38(txTiff: string, rxTiff: string, range?: { startPage: number; stopPage: number }) {
  const wire: Array<{ to: T38Terminal; ifp: Uint8Array; seq: number }> = [];
  const events: Record<'caller' | 'answerer', T30Event[]> = { caller: [], answerer: [] };
  let callerSeq = 0;
  let answererSeq = 0;
  const caller: T38Terminal = new T38Terminal(
    true,
    (ifp) => wire.push({ to: answerer, ifp, seq: callerSeq++ }),
    (e) => events.caller.push(e),
  );
  const answerer: T38Terminal = new T38Terminal(
    false,
    (ifp) => wire.push({ to: caller, ifp, seq: answererSeq++ }),
    (e) => events.answerer.push(e),
  );
  configureT30(caller, { txTiff: { path: txTiff, ...range }, localIdent: '+1 555 0100' });
  configureT30(answerer, { rxTiff, localIdent: '+1 555 0199' });
  for (const t of [caller, answerer]) t.setOptions(T38TerminalOption.NO_PACING);
  let callerDone = false;
  let answererDone = false;
  for (let step = 0; step < 1_000_000 && !(callerDone && answererDone); step++) {
    for (let p = wire.shift(); p; p = wire.shift()) p.to.rxIfp(p.ifp, p.seq);
    callerDone = caller.sendTimeout(160) || callerDone;
    answererDone = answerer.sendTimeout(160) || answererDone;
  }
  caller.close();
  answerer.close();
  return events;
}

describe('spandsp addon', () => {
  test('TIFF pages round-trip through T.6 and T.4 unchanged', () => {
    for (const compression of ['t6', 't4'] as const) {
      const path = join(dir, `roundtrip-${compression}.tif`);
      writeFaxTiff(path, twoPages, compression);
      const back = readFaxTiff(path);
      assert.equal(back.pageCount, 2);
      assert.equal(back.pages[0].xResolution, 204);
      assert.equal(back.pages[0].yResolution, 196);
      assert.equal(firstDifferentPage(twoPages, back.pages), -1);
    }
  });

  test('two T.38 terminals exchange a 2-page fax, pixel-identical, with phase B/D/E and statistics', () => {
    const txTiff = join(dir, 't38-tx.tif');
    const rxTiff = join(dir, 't38-rx.tif');
    writeFaxTiff(txTiff, twoPages);
    const events = faxOverT38(txTiff, rxTiff);

    const pagesReceived = events.answerer.filter((e) => e.type === 'phaseD').map((e) => e.stats.pagesRx);
    assert.deepEqual(pagesReceived, [1, 2]);
    const end = events.answerer.at(-1)!;
    assert.equal(end.type, 'phaseE');
    assert.equal(end.code, T30CompletionCode.OK);
    assert.equal(end.stats.remoteIdent, '+1 555 0100');
    assert.equal(end.stats.bitRate, 14400);
    assert.equal(end.stats.ecm, true);
    assert.equal(end.stats.width, 1728);
    assert.equal(events.caller.at(-1)?.code, T30CompletionCode.OK);
    assert.equal(events.caller.at(-1)?.stats.pagesTx, 2);

    const received = readFaxTiff(rxTiff);
    assert.equal(received.pageCount, 2);
    assert.equal(firstDifferentPage(twoPages, received.pages), -1);
  });

  test('a tx page range resends only the unconfirmed pages', () => {
    const txTiff = join(dir, 'range-tx.tif');
    const rxTiff = join(dir, 'range-rx.tif');
    writeFaxTiff(txTiff, twoPages);
    const events = faxOverT38(txTiff, rxTiff, { startPage: 1, stopPage: 1 });
    assert.equal(events.caller.at(-1)?.code, T30CompletionCode.OK);
    const received = readFaxTiff(rxTiff);
    assert.equal(received.pageCount, 1);
    assert.equal(firstDifferentPage([twoPages[1]], received.pages), -1);
  });

  test('two audio terminals wired sample to sample exchange a page, pixel-identical', () => {
    const page = [drawSyntheticPage({ seed: 13, height: 1100, yResolution: 98 })];
    const txTiff = join(dir, 'audio-tx.tif');
    const rxTiff = join(dir, 'audio-rx.tif');
    writeFaxTiff(txTiff, page);
    const ends: number[] = [];
    const onEvent = (e: T30Event) => e.type === 'phaseE' && ends.push(e.code);
    const caller = new AudioFax(true, onEvent);
    const answerer = new AudioFax(false, onEvent);
    configureT30(caller, { txTiff: { path: txTiff } });
    configureT30(answerer, { rxTiff });
    caller.setTransmitOnIdle(true);
    answerer.setTransmitOnIdle(true);
    for (let samples = 0; ends.length < 2 && samples < 8000 * 120; samples += 160) {
      const fromCaller = caller.tx(160);
      const fromAnswerer = answerer.tx(160);
      answerer.rx(fromCaller);
      caller.rx(fromAnswerer);
    }
    caller.close();
    answerer.close();
    assert.deepEqual(ends, [T30CompletionCode.OK, T30CompletionCode.OK]);
    const received = readFaxTiff(rxTiff);
    assert.equal(received.pages[0].yResolution, 98);
    assert.equal(firstDifferentPage(page, received.pages), -1);
  });

  test('terminate mid-call reports CALLDROPPED; a closed session refuses work', () => {
    const events: T30Event[] = [];
    const answerer = new AudioFax(false, (e) => events.push(e));
    configureT30(answerer, { rxTiff: join(dir, 'dropped-rx.tif') });
    answerer.rxFillin(8000);
    answerer.terminate();
    answerer.close();
    assert.throws(() => answerer.tx(160), /ERR_FAX_CLOSED/);
    assert.match(completionCodeToText(T30CompletionCode.CALLDROPPED), /dropped/i);
    assert.ok(events.every((e) => e.type !== 'phaseE' || e.code !== T30CompletionCode.OK));
  });

  test('bad arguments fail with named codes', () => {
    assert.throws(() => writeFaxTiff(join(dir, 'none.tif'), []), /ERR_FAX_ARGUMENT/);
    assert.throws(() => readFaxTiff(join(dir, 'missing.tif')), /ERR_FAX_TIFF_OPEN/);
    const t = new AudioFax(true, () => {});
    assert.throws(() => t.setLocalIdent('x'.repeat(21)), /ERR_FAX_IDENT/);
    t.close();
  });
});
