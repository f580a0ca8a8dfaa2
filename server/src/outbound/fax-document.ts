// The document of an outbound fax: checked at submission (is it a PDF, can it be opened, how many
// pages), fetched from a partner's URL under the URL policy, and rendered to fax pages before the
// call. Rendering shells out to poppler and libtiff (fax-raster.ts), so the CPU work already runs
// in child processes, off the main thread: a piscina pool would only add a thread that waits.

import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { encodeFaxTiff, type FaxPageImage, rasterisePdf } from '../documents/fax-raster.ts';
import { DomainError, type DomainErrorKind } from '../domain-error.ts';
import { requestOutbound } from '../webhooks/outbound-request.ts';
import type { UrlPolicy } from '../webhooks/url-policy.ts';
import { type CoverPageFields, renderCoverPage } from './cover-page.ts';

const run = promisify(execFile);

export interface DocumentLimits {
  maxBytes: number;
  maxPages: number;
}

export type DocumentProblemCode =
  | 'not_a_pdf'
  | 'pdf_encrypted'
  | 'pdf_corrupt'
  | 'document_too_large'
  | 'too_many_pages'
  | 'document_url_refused'
  | 'document_url_unreachable';

const DOCUMENT_ERRORS: Record<DocumentProblemCode, { kind: DomainErrorKind; title: string }> = {
  not_a_pdf: { kind: 'unsupported_media_type', title: 'The document is not a PDF' },
  pdf_encrypted: { kind: 'unprocessable', title: 'The PDF is encrypted' },
  pdf_corrupt: { kind: 'unprocessable', title: 'The PDF is damaged' },
  document_too_large: { kind: 'too_large', title: 'The document is too large' },
  too_many_pages: { kind: 'too_large', title: 'The document has too many pages' },
  document_url_refused: { kind: 'unprocessable', title: 'The document URL is not allowed' },
  document_url_unreachable: { kind: 'unprocessable', title: 'The document URL could not be fetched' },
};

/** The refusal of a document that cannot be sent, by its stable code. */
export function documentError(code: DocumentProblemCode, detail: string): DomainError {
  const { kind, title } = DOCUMENT_ERRORS[code];
  return new DomainError(kind, code, title, detail);
}

export type DocumentCheck =
  | { ok: true; pages: number }
  | { ok: false; code: DocumentProblemCode; detail: string };

/** Looks at a PDF without rendering it: magic bytes, size, then `pdfinfo` for encryption and pages. */
export async function inspectPdf(pdf: Uint8Array, limits: DocumentLimits): Promise<DocumentCheck> {
  if (pdf.length > limits.maxBytes)
    return {
      ok: false,
      code: 'document_too_large',
      detail: `The document is ${pdf.length} bytes; the limit is ${limits.maxBytes}.`,
    };
  // PDF readers accept the header anywhere in the first 1024 bytes (PDF 32000-1 §7.5.2 implementation note).
  const head = Buffer.from(pdf.subarray(0, 1024)).toString('latin1');
  if (!head.includes('%PDF-'))
    return { ok: false, code: 'not_a_pdf', detail: 'The document does not start with a PDF header (%PDF-).' };
  const dir = await mkdtemp(join(tmpdir(), 'faxseal-pdf-'));
  try {
    const file = join(dir, 'in.pdf');
    await writeFile(file, pdf, { mode: 0o600 });
    let info: string;
    try {
      info = (await run('pdfinfo', [file], { timeout: 30_000, maxBuffer: 1024 * 1024 })).stdout;
    } catch (err) {
      const stderr = String((err as { stderr?: string }).stderr ?? '');
      if (/incorrect password/i.test(stderr))
        return {
          ok: false,
          code: 'pdf_encrypted',
          detail: 'The PDF is protected by a password; send it without one.',
        };
      return {
        ok: false,
        code: 'pdf_corrupt',
        detail: `The PDF cannot be read: ${stderr.trim().split('\n').at(-1)?.slice(0, 200) || 'unreadable'}.`,
      };
    }
    const pages = Number(info.match(/^Pages:\s+(\d+)/m)?.[1] ?? Number.NaN);
    if (!(pages > 0)) return { ok: false, code: 'pdf_corrupt', detail: 'The PDF has no pages.' };
    if (pages > limits.maxPages)
      return {
        ok: false,
        code: 'too_many_pages',
        detail: `The PDF has ${pages} pages; the limit is ${limits.maxPages}.`,
      };
    return { ok: true, pages };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export type FetchedDocument =
  | { ok: true; bytes: Buffer }
  | { ok: false; code: DocumentProblemCode; detail: string };

/** Fetches a document URL under the same address policy as webhooks (no private ranges unless allow-listed). */
export async function fetchDocument(
  policy: UrlPolicy,
  url: string,
  maxBytes: number,
  timeoutMs = 30_000,
): Promise<FetchedDocument> {
  const result = await requestOutbound(policy, url, {
    method: 'GET',
    headers: { accept: 'application/pdf' },
    timeoutMs,
    maxResponseBytes: maxBytes + 1,
  });
  if (!result.ok) {
    const refused = result.error.code === 'url_refused' || result.error.code === 'address_refused';
    return {
      ok: false,
      code: refused ? 'document_url_refused' : 'document_url_unreachable',
      detail: `The document URL ${refused ? 'is not allowed' : 'could not be fetched'}: ${result.error.message}`,
    };
  }
  const { response } = result;
  if (response.status < 200 || response.status >= 300)
    return {
      ok: false,
      code: 'document_url_unreachable',
      detail: `The document URL answered HTTP ${response.status}.`,
    };
  if (response.truncated || response.body.length > maxBytes)
    return {
      ok: false,
      code: 'document_too_large',
      detail: `The document at the URL is larger than ${maxBytes} bytes.`,
    };
  return { ok: true, bytes: response.body };
}

export interface RenderedFax {
  pages: FaxPageImage[];
  /** Multi-page T.6 TIFF, what the fax engine sends. */
  tiff: Uint8Array;
}

/** PDF (and the cover page, first) → 1728-pixel fine-resolution dithered pages → TIFF. */
export async function renderFax(
  pdf: Uint8Array,
  cover: CoverPageFields | null,
  limits: DocumentLimits,
): Promise<RenderedFax> {
  const options = { resolution: 'fine' as const, maxPages: limits.maxPages, maxBytes: limits.maxBytes };
  const pages = await rasterisePdf(pdf, options);
  if (cover) pages.unshift(...(await rasterisePdf(await renderCoverPage(cover), options)));
  return { pages, tiff: await encodeFaxTiff(pages) };
}
