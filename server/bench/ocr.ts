// OCR engines side by side on the same pages in one run: native tesseract through our addon (the
// appliance's default), tesseract.js (the fallback), PaddleOCR on onnxruntime-node, and the tesseract
// CLI as the reference (OMP_THREAD_LIMIT=1, one process per core). Every engine gets all pages queued
// at once with one worker per core; each runs in its own child process so its peak RSS is its own.
//
// Usage: tsx server/bench/ocr.ts [--set dev|held-out | --pages <dir>] [--engines native,tesseract.js,paddle,native-engine-order]
//        [--threads N] [--limit N] [--per-family N] [--ablation] [--show]
//   (no set)   generated pages: the letter/lab/invoice fixtures and dense forms, fine and standard, noisy
//   --set dev  the blind corpus's development pages (.cache/blind-corpus/dev, `npm run corpus:blind -- --set dev`)
//   --pages    a blind-corpus set folder, or a directory of fax TIFFs (as received) with the truth in
//              <name>.txt, pages split by form feeds
//   --resolution fine|standard|both   for the blind corpus (default both)
//   --ablation CER of the native engine with each preprocessing step switched off in turn
//
// Figures: CER (edits over truth characters, whitespace collapsed), order-free CER (bag-of-words edit
// distance, defined in server/test/ocr/order-free-error-rate.ts), s/page of wall time with every page
// queued, pages/min, speed against the CLI (CLI s/page over the engine's: above 1 is faster), and
// peak RSS per worker (the child's peak over its idle size, divided by the workers).

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { encodePbm, parsePbm } from '../src/documents/bitmap.ts';
import {
  decodeFaxTiff,
  encodeFaxTiff,
  type FaxPageImage,
  rasterisePdf,
} from '../src/documents/fax-raster.ts';
import { OcrPool, type OcrPoolOptions } from '../src/ocr/ocr-pool.ts';
import type { PreprocessOptions } from '../src/ocr/page-preprocess.ts';
import { characterErrorRate } from '../test/fixtures/character-error-rate.ts';
import { FAX_DOCUMENTS, makeFaxFixture } from '../test/fixtures/fax-documents.ts';
import { FORM_PAGES } from '../test/ocr/form-pages.ts';
import { orderFreeErrorRate } from '../test/ocr/order-free-error-rate.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const { values } = parseArgs({
  options: {
    set: { type: 'string' },
    pages: { type: 'string' },
    engines: {
      type: 'string',
      default: 'native,native-cells,native-previous,native-rows,native-engine-order,tesseract.js,paddle',
    },
    threads: { type: 'string', default: String(availableParallelism()) },
    limit: { type: 'string' },
    /** Blind corpus: at most this many documents per family (the first ones), for a quicker spread. */
    'per-family': { type: 'string' },
    /** Blind corpus: which of each document's two TIFFs to read. */
    resolution: { type: 'string', default: 'both' },
    ablation: { type: 'boolean', default: false },
    show: { type: 'boolean', default: false },
    // Internal: run one engine over the pages in a directory and print JSON.
    child: { type: 'string' },
    input: { type: 'string' },
    preprocess: { type: 'string' },
  },
});
const threads = Math.max(1, Number(values.threads));

interface BenchPage {
  name: string;
  /** Layout family (blind corpus) or fixture name: CER is also reported per family. */
  family: string;
  image: FaxPageImage;
  truth: string;
}

/** What a child reports for one engine run. */
interface EngineRun {
  seconds: number;
  /** CPU time of the run (all its processes and threads): steadier than wall time on a shared machine. */
  cpuSeconds: number;
  texts: string[];
  peakRssMiB: number;
  idleRssMiB: number;
  detail: string;
  timedOut: number;
}

/** Engines the bench knows: an OcrPool configuration each. */
const ENGINES: Record<string, OcrPoolOptions> = {
  native: { engine: 'native' },
  /** Native tesseract reading ruled cells one by one (`cells`, off by default: see page-preprocess.ts). */
  'native-cells': { engine: 'native', preprocess: { cells: true } },
  'tesseract.js': { engine: 'tesseract.js' },
  'tesseract.js-cells': { engine: 'tesseract.js', preprocess: { cells: true } },
  paddle: { engine: 'paddle' },
  /** Native tesseract with its own block order instead of ours: what reading order is worth. */
  'native-engine-order': { engine: 'native', order: 'engine' },
  /** Native tesseract with the preprocessing before scanner-streak repair and grey smoothing: the before. */
  'native-previous': { engine: 'native', preprocess: { repairStreaks: false, smoothSigma: 0 } },
  /** Native tesseract with visual lines across the page (the blind corpus's truth is in that order). */
  'native-rows': { engine: 'native', order: 'rows' },
};

async function generatedPages(): Promise<BenchPage[]> {
  const pages: BenchPage[] = [];
  for (const [i, doc] of FAX_DOCUMENTS.entries()) {
    for (const [resolution, noise] of [
      ['fine', {}],
      ['standard', { speckle: 0.0005, skewDegrees: 1 }],
    ] as const) {
      const f = await makeFaxFixture(doc, { resolution, ...noise, seed: i + 1 });
      pages.push({ name: `${doc.name}-${resolution}`, family: doc.name, image: f.page, truth: f.text });
    }
  }
  for (const make of FORM_PAGES) {
    const form = await make();
    for (const resolution of ['fine', 'standard'] as const) {
      const [image] = await rasterisePdf(form.pdf, { resolution });
      pages.push({ name: `${form.name}-${resolution}`, family: form.name, image, truth: form.text });
    }
  }
  return pages;
}

/**
 * The blind corpus's layout (scripts/fixtures/blind-corpus/README.md): one folder per document with
 * fine.tif, standard.tif and exact-text.json (the printed words of each page, in visual lines, at each
 * resolution). Folders without generator.json are still being written and are skipped.
 */
async function corpusPages(dir: string): Promise<BenchPage[]> {
  const pages: BenchPage[] = [];
  const resolutions = values.resolution === 'both' ? ['fine', 'standard'] : [values.resolution!];
  const docs = (await readdir(dir, { withFileTypes: true }))
    .filter((e) => e.isDirectory())
    .map((e) => e.name);
  const perFamily = new Map<string, number>();
  for (const doc of docs.sort()) {
    const folder = join(dir, doc);
    if (!existsSync(join(folder, 'generator.json')) || !existsSync(join(folder, 'exact-text.json'))) continue;
    const exact = JSON.parse(await readFile(join(folder, 'exact-text.json'), 'utf8')) as Record<
      string,
      { text: string }[]
    >;
    const record = join(folder, 'document.json');
    const family = existsSync(record)
      ? (JSON.parse(await readFile(record, 'utf8')) as { family: string }).family
      : doc.replace(/-\d+$/, '');
    const seen = (perFamily.get(family) ?? 0) + 1;
    perFamily.set(family, seen);
    if (values['per-family'] && seen > Number(values['per-family'])) continue;
    for (const resolution of resolutions) {
      const images = await decodeFaxTiff(new Uint8Array(await readFile(join(folder, `${resolution}.tif`))));
      for (const [i, image] of images.entries()) {
        pages.push({
          name: `${doc} ${resolution} p${i + 1}`,
          family,
          image,
          truth: exact[resolution]?.[i]?.text ?? '',
        });
      }
    }
  }
  return pages;
}

/** Fax TIFFs with <name>.txt truth beside them (any depth); pages of a TIFF split the truth at form feeds. */
async function directoryPages(dir: string): Promise<BenchPage[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  if (entries.some((e) => e.isDirectory() && existsSync(join(dir, e.name, 'exact-text.json')))) {
    return corpusPages(dir);
  }
  const pages: BenchPage[] = [];
  const walk = async (d: string): Promise<string[]> => {
    const entries = await readdir(d, { withFileTypes: true });
    const found: string[] = [];
    for (const e of entries) {
      const full = join(d, e.name);
      if (e.isDirectory()) found.push(...(await walk(full)));
      else if (/\.tiff?$/i.test(e.name)) found.push(full);
    }
    return found.sort();
  };
  for (const file of await walk(dir)) {
    const truthFile = join(dirname(file), `${basename(file, extname(file))}.txt`);
    if (!existsSync(truthFile)) {
      console.warn(`skipping ${file}: no ${basename(truthFile)} beside it`);
      continue;
    }
    const images = await decodeFaxTiff(new Uint8Array(await readFile(file)));
    const truths = (await readFile(truthFile, 'utf8')).split('\f');
    if (truths.length !== images.length) {
      // One page's truth cannot be told from the next's: measure the document as one page would be.
      console.warn(`${file}: ${images.length} pages but ${truths.length} truth pages; pages scored together`);
    }
    images.forEach((image, i) => {
      const truth = truths.length === images.length ? truths[i] : i === 0 ? truths.join('\n') : '';
      pages.push({ name: `${basename(file)}#${i + 1}`, family: basename(dirname(file)), image, truth });
    });
  }
  return pages;
}

async function loadPages(): Promise<{ pages: BenchPage[]; source: string }> {
  if (values.pages) return { pages: await directoryPages(resolve(values.pages)), source: values.pages };
  if (values.set) {
    if (values.set !== 'dev' && values.set !== 'held-out') throw new Error('--set is dev or held-out');
    const dir = join(root, '.cache', 'blind-corpus', values.set);
    if (!existsSync(dir)) {
      throw new Error(`${dir} does not exist: build it with \`npm run corpus:blind -- --set ${values.set}\``);
    }
    return { pages: await directoryPages(dir), source: `blind corpus, ${values.set} set` };
  }
  return { pages: await generatedPages(), source: 'generated pages (fixtures and forms)' };
}

/** Child: one engine over the pages in `input`, warmed up, then every page queued at once. */
async function runChild(engine: string, input: string): Promise<void> {
  const meta = JSON.parse(await readFile(join(input, 'pages.json'), 'utf8')) as {
    xResolution: number;
    yResolution: number;
  }[];
  const images = await Promise.all(
    meta.map(async (m, i) => ({
      bitmap: parsePbm(new Uint8Array(await readFile(join(input, `${i}.pbm`)))),
      xResolution: m.xResolution,
      yResolution: m.yResolution,
    })),
  );
  const preprocess = values.preprocess ? (JSON.parse(values.preprocess) as Partial<PreprocessOptions>) : {};
  const idleRssMiB = process.memoryUsage().rss / 2 ** 20;
  const pool = new OcrPool({
    ...ENGINES[engine],
    preprocess: { ...ENGINES[engine].preprocess, ...preprocess },
    threads,
  });
  // Engine start-up is paid once per worker in the appliance, not per page: keep it out of the timing.
  await Promise.all(images.slice(0, threads).map((p, i) => pool.recognize({ page: i + 1, ...p })));
  const started = performance.now();
  const cpu = process.cpuUsage(); // every thread of this process
  const results = await Promise.all(images.map((p, i) => pool.recognize({ page: i + 1, ...p })));
  const seconds = (performance.now() - started) / 1000;
  const { user, system } = process.cpuUsage(cpu);
  await pool.close();
  const run: EngineRun = {
    seconds,
    cpuSeconds: (user + system) / 1e6,
    texts: results.map((r) => r.text),
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    idleRssMiB,
    detail: pool.engine.detail,
    timedOut: results.filter((r) => r.timedOut).length,
  };
  process.stdout.write(JSON.stringify(run));
}

/** CPU seconds of this process's finished children (utime + stime of every child waited for). */
async function childrenCpuSeconds(): Promise<number> {
  const stat = await readFile('/proc/self/stat', 'utf8');
  // Fields after the command name (which may hold spaces): cutime and cstime are the 14th and 15th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

function runEngine(
  engine: string,
  input: string,
  preprocess?: Partial<PreprocessOptions>,
): Promise<EngineRun> {
  const args = [
    '--import',
    'tsx',
    fileURLToPath(import.meta.url),
    '--child',
    engine,
    '--input',
    input,
    '--threads',
    String(threads),
  ];
  if (preprocess) args.push('--preprocess', JSON.stringify(preprocess));
  return new Promise<EngineRun>((resolvePromise, reject) => {
    const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('close', (code) => {
      if (code === 0) resolvePromise(JSON.parse(out) as EngineRun);
      else
        reject(new Error(`${engine} exited with ${code}: ${err.trim().split('\n').slice(-3).join(' | ')}`));
    });
  });
}

/** The reference: the tesseract CLI on each page as received (TIFF), one process per core. */
async function runCli(dir: string, count: number): Promise<EngineRun> {
  const texts = new Array<string>(count);
  let peakKiB = 0;
  let next = 0;
  const one = (i: number) =>
    new Promise<void>((resolvePromise, reject) => {
      const child = spawn('tesseract', [join(dir, `${i}.tif`), 'stdout', '--psm', '3'], {
        env: { ...process.env, OMP_THREAD_LIMIT: '1' },
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
      });
      // VmHWM is the process's peak resident size so far; sampled until it exits.
      const sample = setInterval(async () => {
        try {
          const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
          peakKiB = Math.max(peakKiB, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0));
        } catch {
          // exited between samples
        }
      }, 20);
      child.on('error', reject);
      child.on('close', (code) => {
        clearInterval(sample);
        if (code !== 0) return reject(new Error(`tesseract exited with ${code} on page ${i}`));
        texts[i] = out;
        resolvePromise();
      });
    });
  const started = performance.now();
  const cpuBefore = await childrenCpuSeconds();
  await Promise.all(
    Array.from({ length: Math.min(threads, count) }, async () => {
      while (next < count) await one(next++);
    }),
  );
  return {
    seconds: (performance.now() - started) / 1000,
    cpuSeconds: (await childrenCpuSeconds()) - cpuBefore,
    texts,
    peakRssMiB: peakKiB / 1024,
    idleRssMiB: 0,
    detail: 'tesseract CLI, psm 3, OMP_THREAD_LIMIT=1',
    timedOut: 0,
  };
}

function score(pages: BenchPage[], texts: string[]): { cer: number; orderFree: number } {
  let [errors, length, freeErrors, freeLength] = [0, 0, 0, 0];
  pages.forEach((p, i) => {
    const c = characterErrorRate(p.truth, texts[i] ?? '');
    const f = orderFreeErrorRate(p.truth, texts[i] ?? '');
    errors += c.errors;
    length += c.length;
    freeErrors += f.errors;
    freeLength += f.length;
  });
  return { cer: errors / length, orderFree: freeErrors / freeLength };
}

const pct = (v: number) => `${(v * 100).toFixed(1)} %`;

/** CER / order-free CER per family and resolution, one column per engine that ran. */
function familyTable(pages: BenchPage[], runs: [string, EngineRun | Error][]): void {
  const done = runs.filter((r): r is [string, EngineRun] => !(r[1] instanceof Error));
  const groups = new Map<string, number[]>();
  pages.forEach((p, i) => {
    const key = `${p.family} | ${p.image.yResolution > 150 ? 'fine' : 'standard'}`;
    groups.set(key, [...(groups.get(key) ?? []), i]);
  });
  console.log(`\nPer family (CER / order-free CER):`);
  console.log(`| family | resolution | pages | ${done.map(([e]) => e).join(' | ')} |`);
  console.log(`| --- | --- | --- |${' --- |'.repeat(done.length)}`);
  for (const [key, ids] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
    const cells = done.map(([, run]) => {
      const { cer, orderFree } = score(
        ids.map((i) => pages[i]),
        ids.map((i) => run.texts[i]),
      );
      return `${pct(cer)} / ${pct(orderFree)}`;
    });
    console.log(`| ${key} | ${ids.length} | ${cells.join(' | ')} |`);
  }
}

async function main(): Promise<void> {
  if (values.child) return runChild(values.child, values.input!);
  const loaded = await loadPages();
  const pages = values.limit ? loaded.pages.slice(0, Number(values.limit)) : loaded.pages;
  if (pages.length === 0) throw new Error('no pages to read');
  const dir = await mkdtemp(join(tmpdir(), 'faxseal-bench-ocr-'));
  try {
    await writeFile(
      join(dir, 'pages.json'),
      JSON.stringify(
        pages.map((p) => ({ xResolution: p.image.xResolution, yResolution: p.image.yResolution })),
      ),
    );
    for (const [i, p] of pages.entries()) {
      await writeFile(join(dir, `${i}.pbm`), encodePbm(p.image.bitmap));
      await writeFile(join(dir, `${i}.tif`), await encodeFaxTiff([p.image]));
    }
    const fine = pages.filter((p) => p.image.yResolution > 150).length;
    console.log(
      `OCR bench: ${pages.length} pages (${fine} fine, ${pages.length - fine} standard) from ${loaded.source}; ` +
        `${threads} workers; ${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores; ` +
        `load average ${loadavg()[0].toFixed(1)} at start`,
    );
    if (values.ablation) return await ablation(pages, dir);

    // The CLI runs first and last: the reference is their mean, and the pair shows drift from other load.
    const cliBefore = await runCli(dir, pages.length);
    const runs: [string, EngineRun | Error][] = [];
    for (const engine of values.engines.split(',').filter(Boolean)) {
      if (!ENGINES[engine])
        throw new Error(`unknown engine ${engine}: one of ${Object.keys(ENGINES).join(', ')}`);
      runs.push([engine, await runEngine(engine, dir).catch((err: Error) => err)]);
    }
    const cliAfter = await runCli(dir, pages.length);
    const cliSeconds = (cliBefore.seconds + cliAfter.seconds) / 2;
    const cliCpu = (cliBefore.cpuSeconds + cliAfter.cpuSeconds) / 2;
    runs.unshift(['tesseract CLI', { ...cliBefore, seconds: cliSeconds, cpuSeconds: cliCpu }]);

    console.log(
      `reference: tesseract CLI ${(cliBefore.seconds / pages.length).toFixed(2)} s/page before the engines, ` +
        `${(cliAfter.seconds / pages.length).toFixed(2)} s/page after`,
    );
    console.log(
      '| engine | CER | order-free CER | s/page | pages/min | speed vs CLI | CPU s/page | CPU vs CLI | peak RSS per worker |',
    );
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const [engine, run] of runs) {
      if (run instanceof Error) {
        console.log(`| ${engine} | not run: ${run.message} | | | | | | | |`);
        continue;
      }
      const { cer, orderFree } = score(pages, run.texts);
      const perPage = run.seconds / pages.length;
      const perWorker =
        engine === 'tesseract CLI' ? run.peakRssMiB : (run.peakRssMiB - run.idleRssMiB) / threads;
      console.log(
        `| ${engine} | ${pct(cer)} | ${pct(orderFree)} | ${perPage.toFixed(2)} | ${(60 / perPage).toFixed(1)} | ` +
          `${(cliSeconds / run.seconds).toFixed(2)}× | ${(run.cpuSeconds / pages.length).toFixed(2)} | ` +
          `${(cliCpu / run.cpuSeconds).toFixed(2)}× | ${perWorker.toFixed(0)} MiB |` +
          `${run.timedOut ? ` ${run.timedOut} pages timed out` : ''}`,
      );
      if (values.show) {
        pages.forEach((p, i) => {
          const c = characterErrorRate(p.truth, run.texts[i]);
          console.log(
            `  ${p.name}: CER ${pct(c.cer)}, order-free ${pct(orderFreeErrorRate(p.truth, run.texts[i]).cer)}`,
          );
        });
      }
    }
    familyTable(pages, runs);
    console.log(
      `load average ${loadavg()[0].toFixed(1)} at the end (other work on the machine skews s/page)`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** What each preprocessing step is worth to the default engine's CER. */
async function ablation(pages: BenchPage[], dir: string): Promise<void> {
  const variants: Record<string, Partial<PreprocessOptions>> = {
    all: {},
    'never rotate for OCR': { rotateAboveDegrees: 90 },
    'rotate for OCR above 1°': { rotateAboveDegrees: 1 },
    'all + eraseRules': { eraseRules: true },
    'all - repairStreaks': { repairStreaks: false },
    'all - smoothing (bits to OCR)': { smoothSigma: 0 },
    'all - despeckle': { despeckle: false },
    'all - squarePixels': { squarePixels: false },
    'all - deskew': { deskew: false },
    'all - cells': { cells: false },
    'all - rulingLines': { rulingLines: false, cells: false },
    none: {
      repairStreaks: false,
      smoothSigma: 0,
      squarePixels: false,
      despeckle: false,
      deskew: false,
      rulingLines: false,
      cells: false,
    },
  };

  console.log('| preprocessing (native engine) | CER | order-free CER | s/page | CPU s/page |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const [name, preprocess] of Object.entries(variants)) {
    const run = await runEngine('native', dir, preprocess);
    const { cer, orderFree } = score(pages, run.texts);
    console.log(
      `| ${name} | ${pct(cer)} | ${pct(orderFree)} | ${(run.seconds / pages.length).toFixed(2)} | ${(run.cpuSeconds / pages.length).toFixed(2)} |`,
    );
  }
}

await main();
