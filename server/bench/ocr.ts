// OCR benchmark on generated fax pages: pages/minute at pool sizes 1 and 2 with peak RSS, and with
// --cer the character error rate of each preprocessing step switched off in turn.
// Usage: tsx server/bench/ocr.ts [--pages 6] [--threads 1,2] [--cer]

import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { OcrPool } from '../src/ocr/ocr-pool.ts';
import { DEFAULT_PREPROCESS, type PreprocessOptions } from '../src/ocr/page-preprocess.ts';
import { characterErrorRate } from '../test/fixtures/character-error-rate.ts';
import {
  FAX_DOCUMENTS,
  type FaxFixture,
  type FaxFixtureOptions,
  makeFaxFixture,
} from '../test/fixtures/fax-documents.ts';

const { values } = parseArgs({
  options: {
    pages: { type: 'string', default: '6' },
    threads: { type: 'string', default: '1,2' },
    cer: { type: 'boolean', default: false },
  },
});

const mib = (kib: number) => `${Math.round(kib / 1024)} MiB`;

async function fixtures(options: FaxFixtureOptions): Promise<FaxFixture[]> {
  return Promise.all(FAX_DOCUMENTS.map((d, i) => makeFaxFixture(d, { ...options, seed: i + 1 })));
}

async function throughput(): Promise<void> {
  const pageCount = Number(values.pages);
  const sample = [...(await fixtures({})), ...(await fixtures({ speckle: 0.0005, skewDegrees: 1 }))];
  const pages = Array.from({ length: pageCount }, (_, i) => sample[i % sample.length].page);
  console.log(`OCR throughput, ${pageCount} fine fax pages (1728x2156), ${availableParallelism()} cores`);
  for (const threads of values.threads.split(',').map(Number)) {
    const pool = new OcrPool({ threads });
    const started = performance.now();
    // Warm every thread first: engine start-up (~1 s) is paid once per thread, not per page.
    await Promise.all(pages.slice(0, threads).map((p, i) => pool.recognize({ page: i + 1, ...p })));
    const warm = performance.now();
    const cpu = process.cpuUsage(); // all threads: stays meaningful when other work shares the cores
    await Promise.all(pages.map((p, i) => pool.recognize({ page: i + 1, ...p })));
    const seconds = (performance.now() - warm) / 1000;
    const { user, system } = process.cpuUsage(cpu);
    await pool.close();
    console.log(
      `pool size ${threads}: ${((pageCount / seconds) * 60).toFixed(1)} pages/min, ` +
        `${(seconds / pageCount).toFixed(2)} s/page, ${((user + system) / 1e6 / pageCount).toFixed(2)} CPU s/page ` +
        `(warm-up ${((warm - started) / 1000).toFixed(1)} s), ` +
        `peak RSS so far ${mib(process.resourceUsage().maxRSS)}`,
    );
  }
}

async function errorRates(): Promise<void> {
  const conditions: Record<string, FaxFixtureOptions> = {
    'fine, clean': { resolution: 'fine' },
    'fine, speckle 0.05%': { resolution: 'fine', speckle: 0.0005 },
    'fine, speckle 0.2%': { resolution: 'fine', speckle: 0.002 },
    'fine, skew 1°': { resolution: 'fine', skewDegrees: 1 },
    'fine, skew 2.5°': { resolution: 'fine', skewDegrees: 2.5 },
    'standard, clean': { resolution: 'standard' },
    'standard, speckle 0.05% + skew 1°': { resolution: 'standard', speckle: 0.0005, skewDegrees: 1 },
  };
  const variants: Record<string, Partial<PreprocessOptions>> = {
    none: { squarePixels: false, despeckle: false, deskew: false },
    all: {},
    'all - squarePixels': { squarePixels: false },
    'all - despeckle': { despeckle: false },
    'all - deskew': { deskew: false },
  };
  console.log('CER (edits / truth characters over the 3 documents), lower is better');
  console.log(['condition', ...Object.keys(variants)].join(' | '));
  for (const [name, options] of Object.entries(conditions)) {
    const set = await fixtures(options);
    const row = [name];
    for (const preprocess of Object.values(variants)) {
      const pool = new OcrPool({ threads: 2, preprocess: { ...DEFAULT_PREPROCESS, ...preprocess } });
      const results = await Promise.all(set.map((f, i) => pool.recognize({ page: i + 1, ...f.page })));
      await pool.close();
      let errors = 0;
      let length = 0;
      results.forEach((r, i) => {
        const m = characterErrorRate(set[i].text, r.text);
        errors += m.errors;
        length += m.length;
      });
      row.push(`${((errors / length) * 100).toFixed(2)}%`);
    }
    console.log(row.join(' | '));
  }
}

if (values.cer) await errorRates();
else await throughput();
