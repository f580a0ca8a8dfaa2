// Extraction bench on the blind corpus (scripts/fixtures/blind-corpus): generates what is missing, OCRs
// every received page with the appliance's OCR pool (cached per page), runs the extraction provider on
// the OCR text and on the exact page text, and scores field by field. Quote only held-out figures.
//
//   npm run bench:extract                                  # default provider, dev and held-out, fine and standard
//   npm run bench:extract -- --provider rules --set dev --resolution fine --family lab-report
//   npm run bench:extract -- --model models/qwen2.5-1.5b-instruct-q4_k_m.gguf --json /tmp/figures.json
//   npm run bench:extract -- --set dev --explain                    # error analysis of the layout reader
//   npm run bench:extract -- --set dev --explain --list 'lab-report.*(absent|misread)'   # and its fields

import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildCorpus } from '../../scripts/fixtures/blind-corpus/build.ts';
import {
  CORPUS_SETS,
  type CorpusSet,
  DEFAULT_CACHE,
  readDocument,
  type StoredDocument,
} from '../../scripts/fixtures/blind-corpus/corpus.ts';
import {
  addCounts,
  type Counts,
  emptyCounts,
  findableIn,
  rates,
  scoreDocument,
} from '../../scripts/fixtures/blind-corpus/score.ts';
import { type Config, type ExtractionProviderName, loadConfig } from '../src/config/config.ts';
import { decodeFaxTiff, type FaxResolution } from '../src/documents/fax-raster.ts';
import { modelStoreFor, resolveActiveProvider } from '../src/extraction/active-provider.ts';
import type {
  ExtractionProvider,
  ExtractionRequest,
  ExtractionResult,
} from '../src/extraction/extraction-provider.ts';
import { emptyTrace, extractWithLayout } from '../src/extraction/layout-provider.ts';
import { createExtractionProvider } from '../src/extraction/provider-registry.ts';
import { OcrPool } from '../src/ocr/ocr-pool.ts';
import type { OcrPage } from '../src/ocr/ocr-result.ts';
import { type ExplainedField, explainFields, printExplanation } from './extract-explain.ts';
import { OCR_CACHE_DIR, ocrCacheFile, ocrFingerprint } from './ocr-cache.ts';

const { values } = parseArgs({
  options: {
    provider: { type: 'string' },
    model: { type: 'string' },
    set: { type: 'string', default: 'both' },
    resolution: { type: 'string', default: 'both' },
    family: { type: 'string' },
    json: { type: 'string' },
    'ocr-threads': { type: 'string' },
    /** OCR preprocessing options as JSON (e.g. '{"cells":false}'): to measure an OCR step's worth. */
    'ocr-preprocess': { type: 'string' },
    explain: { type: 'boolean', default: false },
    list: { type: 'string' },
  },
});

const fail = (message: string): never => {
  console.error(message);
  process.exit(2);
};
const sets: CorpusSet[] =
  values.set === 'both'
    ? [...CORPUS_SETS]
    : CORPUS_SETS.includes(values.set as CorpusSet)
      ? [values.set as CorpusSet]
      : fail('--set must be dev, held-out or both');
const resolutions: FaxResolution[] =
  values.resolution === 'both'
    ? ['fine', 'standard']
    : values.resolution === 'fine' || values.resolution === 'standard'
      ? [values.resolution]
      : fail('--resolution must be fine, standard or both');
const SOURCES = ['ocr', 'exact'] as const;
type Source = (typeof SOURCES)[number];

// ── the provider, chosen as the appliance chooses it ────────────────────────────────────────────────

function makeProvider(): { provider: ExtractionProvider; describe: string } {
  const overrides: Partial<Config> = {};
  if (values.provider) overrides.extractionProvider = values.provider as ExtractionProviderName;
  if (values.model) {
    overrides.llamaModel = resolve(values.model);
    overrides.extractionProvider ??= 'llama';
  }
  const config = loadConfig(process.env, overrides);
  const active = resolveActiveProvider(config, modelStoreFor(config));
  const provider = createExtractionProvider(active.config);
  const why = values.provider || values.model ? 'as asked' : `the appliance's default (${active.chosen})`;
  return { provider, describe: `${provider.name}, ${why}${values.model ? `, model ${values.model}` : ''}` };
}

// ── OCR with a per-page cache ───────────────────────────────────────────────────────────────────────

async function ocrAll(docs: StoredDocument[]): Promise<Map<string, OcrPage[]>> {
  const cacheDir = OCR_CACHE_DIR;
  await mkdir(cacheDir, { recursive: true });
  const fingerprint = ocrFingerprint(values['ocr-preprocess']);
  const pool = new OcrPool({
    threads: values['ocr-threads'] ? Number(values['ocr-threads']) : Math.min(2, availableParallelism()),
    preprocess: values['ocr-preprocess'] ? JSON.parse(values['ocr-preprocess']) : undefined,
  });
  const out = new Map<string, OcrPage[]>();
  let cached = 0;
  let recognised = 0;
  let total = 0;
  const started = performance.now();
  try {
    await Promise.all(
      docs.flatMap((doc) =>
        resolutions.map(async (res) => {
          const pages = await decodeFaxTiff(new Uint8Array(await readFile(join(doc.dir, `${res}.tif`))));
          total += pages.length;
          const results = await Promise.all(
            pages.map(async (p, i) => {
              const file = ocrCacheFile(fingerprint, p, i);
              if (existsSync(file)) {
                cached++;
                return JSON.parse(await readFile(file, 'utf8')) as OcrPage;
              }
              const page = await pool.recognize({ page: i + 1, ...p });
              await writeFile(file, JSON.stringify(page));
              recognised++;
              if (recognised % 20 === 0)
                console.log(
                  `  OCR ${recognised} pages (${cached} cached) in ${((performance.now() - started) / 1000).toFixed(0)} s`,
                );
              return page;
            }),
          );
          out.set(`${doc.record.id}/${res}`, results);
        }),
      ),
    );
  } finally {
    await pool.close();
  }
  const s = (performance.now() - started) / 1000;
  console.log(
    `OCR: ${total} pages, ${recognised} recognised, ${cached} from cache (${cacheDir}), ${s.toFixed(1)} s`,
  );
  return out;
}

// ── running and scoring ─────────────────────────────────────────────────────────────────────────────

interface Run {
  set: CorpusSet;
  id: string;
  family: string;
  vertical: string;
  layout: string;
  resolution: FaxResolution;
  source: Source;
  counts: Counts;
  conforms: boolean;
  ms: number;
  /** Predicted values the page text does not support. */
  ungrounded: number;
  predicted: number;
  /** Per predicted field with evidence: its confidence and whether it was right. */
  confidences: { confidence: number; correct: boolean }[];
  needsReview: { flagged: Set<string>; correct: Map<string, boolean> } | null;
  /** Language-model token counts and times, when a model ran. */
  stats: ExtractionResult['stats'] | null;
  /** With --explain: every field of the layout reader's result, bucketed. */
  explained: ExplainedField[] | null;
}

function leaves(value: unknown, path: string, out: [string, unknown][]): [string, unknown][] {
  if (value === null || value === undefined) return out;
  if (Array.isArray(value)) for (const [i, v] of value.entries()) leaves(v, `${path}[${i}]`, out);
  else if (typeof value === 'object')
    for (const [k, v] of Object.entries(value)) leaves(v, path ? `${path}.${k}` : k, out);
  else out.push([path, value]);
  return out;
}

async function runOne(
  provider: ExtractionProvider,
  doc: StoredDocument,
  res: FaxResolution,
  source: Source,
  pages: OcrPage[],
): Promise<Run> {
  const { record } = doc;
  const started = performance.now();
  const result = await provider.extract({
    schema: record.schema as unknown as ExtractionRequest['schema'],
    pages,
  });
  const ms = performance.now() - started;
  const score = scoreDocument(record.schema, record.truth, result.data);
  const text = pages.map((p) => p.text).join('\n');
  const predictedLeaves = leaves(result.data, '', []).filter(([, v]) => v !== '');
  const ungrounded = predictedLeaves.filter(
    ([, v]) => !findableIn(v as string | number | boolean, text),
  ).length;
  const confidences: Run['confidences'] = [];
  const correctByPath = new Map<string, boolean>();
  for (const f of score.fields) {
    if (!f.predictedPath) continue;
    correctByPath.set(f.predictedPath, f.outcome === 'tp');
    const ev = result.evidence[f.predictedPath];
    if (ev) confidences.push({ confidence: ev.confidence, correct: f.outcome === 'tp' });
  }
  const review = (result as { needsReview?: unknown }).needsReview;
  let explained: ExplainedField[] | null = null;
  if (values.explain) {
    const schema = record.schema as unknown as ExtractionRequest['schema'];
    const trace = emptyTrace();
    const layout = extractWithLayout(schema, pages, { trace });
    const layoutScore = scoreDocument(record.schema, record.truth, layout.data);
    explained = explainFields(schema, layoutScore.fields, text, trace, layout.candidates);
  }
  return {
    set: record.set,
    id: record.id,
    family: record.family,
    vertical: record.vertical,
    layout: record.layout,
    resolution: res,
    source,
    counts: { tp: score.tp, fp: score.fp, fn: score.fn },
    conforms: score.shape.conforms,
    ms,
    ungrounded,
    predicted: predictedLeaves.length,
    confidences,
    needsReview: Array.isArray(review)
      ? { flagged: new Set(review.map(String)), correct: correctByPath }
      : null,
    stats: result.stats ?? null,
    explained,
  };
}

// ── reporting ───────────────────────────────────────────────────────────────────────────────────────

const pct = (x: number) => x.toFixed(3);
const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))] : 0;
};

function sum(runs: Run[]): Counts {
  return runs.reduce((c, r) => addCounts(c, r.counts), emptyCounts());
}

interface Figures {
  precision: number;
  recall: number;
  f1: number;
  tp: number;
  fp: number;
  fn: number;
}
const figures = (c: Counts): Figures => ({ ...rates(c), ...c });

function table(title: string, runs: Run[], key: (r: Run) => string): Record<string, Record<Source, Figures>> {
  const groups = new Map<string, Run[]>();
  for (const r of runs) groups.set(key(r), [...(groups.get(key(r)) ?? []), r]);
  const out: Record<string, Record<Source, Figures>> = {};
  console.log(`\n${title}`);
  console.log(`${'group'.padEnd(26)} docs  truth | OCR  P     R     F1    | exact P     R     F1`);
  for (const [name, rs] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
    const ocr = figures(sum(rs.filter((r) => r.source === 'ocr')));
    const exact = figures(sum(rs.filter((r) => r.source === 'exact')));
    out[name] = { ocr, exact };
    const docs = new Set(rs.map((r) => `${r.id}/${r.resolution}`)).size;
    console.log(
      `${name.padEnd(26)} ${String(docs).padStart(4)} ${String(ocr.tp + ocr.fn).padStart(6)} | ${pct(ocr.precision)} ${pct(ocr.recall)} ${pct(ocr.f1)} | ${pct(exact.precision)} ${pct(exact.recall)} ${pct(exact.f1)}`,
    );
  }
  return out;
}

function calibration(runs: Run[]) {
  const out: Record<string, { fields: number; precision: number | null }> = {};
  for (const threshold of [0.9, 0.8]) {
    const c = runs.flatMap((r) => r.confidences).filter((x) => x.confidence >= threshold);
    out[`>=${threshold}`] = {
      fields: c.length,
      precision: c.length ? c.filter((x) => x.correct).length / c.length : null,
    };
  }
  return out;
}

function review(runs: Run[]) {
  const withReview = runs.filter((r) => r.needsReview);
  if (withReview.length === 0) return null;
  let flaggedFaxes = 0;
  let unflaggedRight = 0;
  let unflagged = 0;
  let wrong = 0;
  let wrongFlagged = 0;
  for (const r of withReview) {
    const nr = r.needsReview!;
    if (nr.flagged.size > 0) flaggedFaxes++;
    for (const [path, correct] of nr.correct) {
      const flagged = nr.flagged.has(path);
      if (!flagged) {
        unflagged++;
        if (correct) unflaggedRight++;
      }
      if (!correct) {
        wrong++;
        if (flagged) wrongFlagged++;
      }
    }
  }
  return {
    faxes: withReview.length,
    faxesFlagged: flaggedFaxes,
    precisionOfUnflaggedFields: unflagged ? unflaggedRight / unflagged : null,
    wrongFieldsFlagged: wrong ? wrongFlagged / wrong : null,
  };
}

function report(set: CorpusSet, runs: Run[]) {
  const docs = new Set(runs.map((r) => r.id)).size;
  console.log(
    `\n════ ${set.toUpperCase()} SET: ${docs} documents${set === 'dev' ? ' (development figures: do not quote)' : ''} ════`,
  );
  const overall = table('overall (OCR text vs exact text)', runs, () => 'all');
  const byResolution = table('by resolution', runs, (r) => r.resolution);
  const byVertical = table('by vertical', runs, (r) => r.vertical);
  const byLayout = table('by layout', runs, (r) => r.layout);
  const byFamily = table('by family', runs, (r) => r.family);
  const latency: Record<string, { p50: number; p95: number; max: number }> = {};
  const shape: Record<string, string> = {};
  const grounding: Record<string, { ungrounded: number; predicted: number }> = {};
  const calib: Record<string, ReturnType<typeof calibration>> = {};
  console.log('');
  for (const source of SOURCES) {
    const rs = runs.filter((r) => r.source === source);
    const ms = rs.map((r) => r.ms);
    latency[source] = { p50: quantile(ms, 0.5), p95: quantile(ms, 0.95), max: Math.max(...ms) };
    shape[source] = `${rs.filter((r) => r.conforms).length}/${rs.length}`;
    grounding[source] = {
      ungrounded: rs.reduce((n, r) => n + r.ungrounded, 0),
      predicted: rs.reduce((n, r) => n + r.predicted, 0),
    };
    calib[source] = calibration(rs);
    const c = calib[source];
    console.log(
      `${source.padEnd(5)}: latency per fax p50 ${latency[source].p50.toFixed(1)} ms, p95 ${latency[source].p95.toFixed(1)} ms, max ${latency[source].max.toFixed(1)} ms (extraction only); ` +
        `shape conformance ${shape[source]}; values not in the page text ${grounding[source].ungrounded} of ${grounding[source].predicted}; ` +
        `precision at confidence >=0.9: ${c['>=0.9'].precision === null ? 'n/a' : pct(c['>=0.9'].precision)} (${c['>=0.9'].fields} fields), ` +
        `>=0.8: ${c['>=0.8'].precision === null ? 'n/a' : pct(c['>=0.8'].precision)} (${c['>=0.8'].fields})`,
    );
  }
  const withStats = runs.filter((r) => r.stats);
  let tokens: Record<string, number> | null = null;
  if (withStats.length > 0) {
    const t = withStats.reduce(
      (a, r) => ({
        prompt: a.prompt + r.stats!.promptTokens,
        promptMs: a.promptMs + r.stats!.promptMs,
        generated: a.generated + r.stats!.generatedTokens,
        generationMs: a.generationMs + r.stats!.generationMs,
      }),
      { prompt: 0, promptMs: 0, generated: 0, generationMs: 0 },
    );
    tokens = {
      promptTokensPerSecond: t.promptMs ? (t.prompt / t.promptMs) * 1000 : 0,
      generationTokensPerSecond: t.generationMs ? (t.generated / t.generationMs) * 1000 : 0,
    };
    console.log(
      `model: prompt ${tokens.promptTokensPerSecond.toFixed(0)} tokens/s, generation ${tokens.generationTokensPerSecond.toFixed(1)} tokens/s over ${withStats.length} extractions`,
    );
  }
  const needsReview = Object.fromEntries(SOURCES.map((s) => [s, review(runs.filter((r) => r.source === s))]));
  for (const s of SOURCES) {
    const nr = needsReview[s];
    console.log(
      nr
        ? `${s.padEnd(5)}: needsReview on ${nr.faxesFlagged}/${nr.faxes} faxes; precision of unflagged fields ${nr.precisionOfUnflaggedFields === null ? 'n/a' : pct(nr.precisionOfUnflaggedFields)}; wrong fields flagged ${nr.wrongFieldsFlagged === null ? 'n/a' : pct(nr.wrongFieldsFlagged)}`
        : `${s.padEnd(5)}: the result carries no needsReview`,
    );
  }
  let errors: ReturnType<typeof printExplanation> | null = null;
  if (values.explain) {
    errors = printExplanation(
      runs.map((r) => ({ group: r.family, source: r.source, fields: r.explained ?? [] })),
    );
    if (values.list) {
      const filter = new RegExp(values.list, 'i');
      console.log(
        `\nfields matching /${values.list}/ (source resolution document path bucket: truth | predicted)`,
      );
      for (const r of runs)
        for (const f of r.explained ?? []) {
          const line = `${r.source} ${r.resolution} ${r.id} ${f.path} ${f.bucket}: ${JSON.stringify(f.truth)} | ${JSON.stringify(f.predicted)}`;
          if (filter.test(line)) console.log(line);
        }
    }
  }
  return {
    documents: docs,
    errors,
    overall: overall.all,
    byResolution,
    byVertical,
    byLayout,
    byFamily,
    latency,
    shape,
    grounding,
    calibration: calib,
    needsReview,
  };
}

// ── main ────────────────────────────────────────────────────────────────────────────────────────────

const started = performance.now();
console.log(
  `Extraction bench on the blind corpus: sets ${sets.join(', ')}, resolutions ${resolutions.join(', ')}${values.family ? `, family ${values.family}` : ''}`,
);
console.log(`machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores`);
const built = await buildCorpus({ sets, family: values.family, onProgress: (l) => console.log(`  ${l}`) });
console.log(
  `corpus: ${built.planned.length} documents (${built.generated.length} generated now) in ${(built.ms / 1000).toFixed(1)} s`,
);

const docs: StoredDocument[] = [];
for (const set of sets) {
  const manifest = JSON.parse(readFileSync(join(DEFAULT_CACHE, set, 'manifest.json'), 'utf8')) as {
    items: { id: string; family: string }[];
  };
  for (const item of manifest.items)
    if (!values.family || item.family === values.family)
      docs.push(readDocument(join(DEFAULT_CACHE, set, item.id)));
}
if (docs.length === 0) fail('no documents to score');
const ocr = await ocrAll(docs);

const { provider, describe } = makeProvider();
console.log(`provider: ${describe}`);
const runs: Run[] = [];
try {
  for (const doc of docs)
    for (const res of resolutions)
      for (const source of SOURCES)
        runs.push(
          await runOne(
            provider,
            doc,
            res,
            source,
            source === 'ocr' ? ocr.get(`${doc.record.id}/${res}`)! : doc.exactText[res],
          ),
        );
} finally {
  await provider.close();
}

const out: Record<string, unknown> = {
  provider: provider.name,
  describe,
  resolutions,
  machine: { cpu: cpus()[0]?.model, cores: availableParallelism() },
};
for (const set of sets)
  out[set] = report(
    set,
    runs.filter((r) => r.set === set),
  );
console.log(
  `\nbench done in ${((performance.now() - started) / 1000).toFixed(1)} s. Quote only held-out figures.`,
);
if (values.json) {
  await writeFile(values.json, `${JSON.stringify(out, null, 2)}\n`);
  console.log(`figures written to ${values.json}`);
}
