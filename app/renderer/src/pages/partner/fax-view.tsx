// One received fax: page thumbnails, the page image with each extracted field's evidence box drawn on
// it, the extracted data with its confidence and the fields that need a person's review, the OCR text,
// the signed PDF and re-extraction. Follows the fax while OCR and extraction finish.

import {
  Alert,
  Box,
  Button,
  ButtonBase,
  Chip,
  Grid,
  Paper,
  Stack,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Typography,
} from '@mui/material';
import { useMemo, useState } from 'react';
import type { ApiProblem } from '../../api/client.ts';
import type { PartnerApi } from '../../api/partner-api.ts';
import type { Fax } from '../../api/types.ts';
import { asProblem, useResource } from '../../api/use-resource.ts';
import { BlobImage } from '../../layout/blob-image.tsx';
import { dateTime, phone, plural } from '../../layout/format.ts';
import { Page } from '../../layout/page.tsx';
import { ProblemAlert } from '../../layout/problem-alert.tsx';
import { EmptyState, Loaded } from '../../layout/widget.tsx';
import { Link } from '../../routing/router.tsx';

interface Evidence {
  page: number;
  span: { start: number; end: number; text: string };
  bbox: { x0: number; y0: number; x1: number; y1: number } | null;
  confidence: number;
}

export interface FieldRow {
  path: string;
  value: unknown;
  evidence: Evidence | null;
  needsReview: boolean;
}

const PAGE_WIDTH_PX = 900;

export function FaxView({ api, faxId }: { api: PartnerApi; faxId: string }) {
  const fax = useResource(() => api.fax(faxId), [api, faxId], {
    // Until OCR and extraction are done the fax is still changing.
    refreshMs: 4000,
  });
  return (
    <Loaded resource={fax} skeletonRows={8}>
      {(f) => <FaxDetail api={api} fax={f} onChanged={fax.reload} />}
    </Loaded>
  );
}

function FaxDetail({ api, fax, onChanged }: { api: PartnerApi; fax: Fax; onChanged(): void }) {
  const [page, setPage] = useState(1);
  const [focused, setFocused] = useState<string | null>(null);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const fields = useMemo(() => fieldRows(fax), [fax]);
  const details = fax.pageDetails.find((p) => p.page === page);
  const boxes = fields.filter((f) => f.evidence?.page === page && f.evidence.bbox);
  const review = fields.filter((f) => f.needsReview);

  const reExtract = async () => {
    setProblem(null);
    try {
      await api.reExtract(fax.id);
      setNotice('Extraction runs again with your current schema; the result arrives as a new fax.extracted.');
      onChanged();
    } catch (error) {
      setProblem(asProblem(error));
    }
  };

  return (
    <Page
      title={`Fax from ${phone(fax.from)}`}
      subtitle={`${dateTime(fax.createdAt)} · to ${fax.externalUserId ?? '—'} (${phone(fax.to)}) · ${plural(fax.pages, 'page')}`}
      actions={
        <>
          <Button component={Link} href="/partner/inbox" variant="text">
            Back to the inbox
          </Button>
          {fax.pdfUrl && (
            <Button
              variant="contained"
              href={fax.pdfUrl}
              target="_blank"
              rel="noopener"
              data-testid="pdf-link"
            >
              Download PDF
            </Button>
          )}
          {!fax.purgedAt && fax.ocrStatus === 'done' && (
            <Button variant="outlined" onClick={() => void reExtract()}>
              Re-extract
            </Button>
          )}
        </>
      }
    >
      <ProblemAlert problem={problem} onClose={() => setProblem(null)} />
      {notice && (
        <Alert severity="success" onClose={() => setNotice(null)} sx={{ mb: 2 }} data-testid="fax-notice">
          {notice}
        </Alert>
      )}
      {fax.purgedAt ? (
        <EmptyState title="This fax was purged">
          Its pages and text were deleted on {dateTime(fax.purgedAt)} under your retention setting; only this
          record remains.
        </EmptyState>
      ) : (
        <Grid container spacing={2}>
          <Grid size={{ xs: 12, md: 2 }}>
            <Stack
              direction={{ xs: 'row', md: 'column' }}
              sx={{ gap: 1, overflowX: { xs: 'auto', md: 'visible' }, pb: 1 }}
              aria-label="Pages"
              component="nav"
            >
              {fax.pageDetails.map((p) => (
                <ButtonBase
                  key={p.page}
                  onClick={() => setPage(p.page)}
                  aria-label={`Show page ${p.page}`}
                  aria-current={p.page === page ? 'true' : undefined}
                  sx={{
                    display: 'block',
                    width: { xs: 72, md: '100%' },
                    flexShrink: 0,
                    border: 2,
                    borderColor: p.page === page ? 'primary.main' : 'divider',
                    borderRadius: 1,
                    '&.Mui-focusVisible': { outline: '3px solid #1d4ed8', outlineOffset: 2 },
                  }}
                >
                  <BlobImage
                    load={() => api.pageImage(fax.id, p.page, 160)}
                    alt={`Page ${p.page} thumbnail`}
                    aspect={pageAspect(p)}
                    testId="thumbnail"
                  />
                </ButtonBase>
              ))}
            </Stack>
          </Grid>
          <Grid size={{ xs: 12, md: 6 }}>
            {details ? (
              <Paper variant="outlined" sx={{ position: 'relative', overflow: 'hidden' }}>
                <BlobImage
                  key={page}
                  load={() => api.pageImage(fax.id, page, PAGE_WIDTH_PX)}
                  alt={`Page ${page} of the fax`}
                  aspect={pageAspect(details)}
                  testId="page-image"
                />
                <svg
                  viewBox={`0 0 ${details.width} ${details.height}`}
                  preserveAspectRatio="none"
                  style={{
                    position: 'absolute',
                    inset: 0,
                    width: '100%',
                    height: '100%',
                    pointerEvents: 'none',
                  }}
                  aria-hidden="true"
                  data-testid="evidence-boxes"
                >
                  {boxes.map((f) => {
                    const b = f.evidence!.bbox!;
                    const on = focused === f.path;
                    return (
                      <rect
                        key={f.path}
                        data-field={f.path}
                        x={b.x0 - 4}
                        y={b.y0 - 4}
                        width={b.x1 - b.x0 + 8}
                        height={b.y1 - b.y0 + 8}
                        fill={on ? 'rgba(234,179,8,0.35)' : 'rgba(37,99,235,0.12)'}
                        stroke={f.needsReview ? '#b91c1c' : '#1d4ed8'}
                        strokeWidth={on ? 6 : 3}
                      />
                    );
                  })}
                </svg>
              </Paper>
            ) : (
              <EmptyState title="No page image">The pages of this fax are not available.</EmptyState>
            )}
          </Grid>
          <Grid size={{ xs: 12, md: 4 }}>
            <Typography variant="h6" component="h2" gutterBottom>
              Extracted data
            </Typography>
            <ExtractedData
              fax={fax}
              fields={fields}
              review={review}
              onFocus={(f) => {
                setFocused(f?.path ?? null);
                if (f?.evidence) setPage(f.evidence.page);
              }}
            />
          </Grid>
          <Grid size={12}>
            <Typography variant="h6" component="h2" gutterBottom>
              Text read from the pages
            </Typography>
            {fax.ocrStatus === 'pending' ? (
              <Typography color="text.secondary">Reading the pages…</Typography>
            ) : (
              <Box
                component="pre"
                tabIndex={0}
                aria-label="OCR text"
                data-testid="ocr-text"
                sx={{
                  whiteSpace: 'pre-wrap',
                  overflowWrap: 'anywhere',
                  bgcolor: 'grey.100',
                  p: 2,
                  borderRadius: 1,
                  maxHeight: 420,
                  overflow: 'auto',
                  fontSize: 13,
                }}
              >
                {fax.ocrText || 'No text could be read from this fax.'}
              </Box>
            )}
          </Grid>
        </Grid>
      )}
    </Page>
  );
}

function ExtractedData({
  fax,
  fields,
  review,
  onFocus,
}: {
  fax: Fax;
  fields: FieldRow[];
  review: FieldRow[];
  onFocus(field: FieldRow | null): void;
}) {
  if (fax.extractionStatus === 'pending') return <Typography color="text.secondary">Extracting…</Typography>;
  if (fax.extractionStatus === 'skipped' || !fax.extractedData)
    return (
      <EmptyState title="No data extracted">
        Set an extraction schema under Developers → Webhook and schema, then re-extract this fax.
      </EmptyState>
    );
  return (
    <>
      {review.length > 0 && (
        <Alert severity="warning" sx={{ mb: 1 }} data-testid="needs-review">
          {plural(review.length, 'field')} need review: {review.map((r) => r.path).join(', ')}
        </Alert>
      )}
      <Table size="small" aria-label="Extracted fields" data-testid="extracted-data">
        <TableHead>
          <TableRow>
            <TableCell>Field</TableCell>
            <TableCell>Value</TableCell>
            <TableCell align="right">Confidence</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {fields.map((f) => (
            <TableRow
              key={f.path}
              hover
              tabIndex={f.evidence ? 0 : undefined}
              onMouseEnter={() => onFocus(f)}
              onMouseLeave={() => onFocus(null)}
              onFocus={() => onFocus(f)}
              onBlur={() => onFocus(null)}
              aria-label={f.evidence ? `${f.path}: found on page ${f.evidence.page}` : undefined}
              sx={{ '&:focus-visible': { outline: '3px solid #1d4ed8', outlineOffset: -3 } }}
            >
              <TableCell sx={{ fontFamily: 'monospace', overflowWrap: 'anywhere' }}>{f.path}</TableCell>
              <TableCell sx={{ overflowWrap: 'anywhere' }}>
                {f.value === null || f.value === undefined ? (
                  <Typography variant="body2" color="text.secondary" component="span">
                    not found
                  </Typography>
                ) : (
                  String(f.value)
                )}
                {f.needsReview && <Chip size="small" color="warning" label="review" sx={{ ml: 0.5 }} />}
              </TableCell>
              <TableCell align="right">
                {f.evidence ? `${Math.round(f.evidence.confidence * 100)}%` : '—'}
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </>
  );
}

function pageAspect(p: { width: number; height: number; xResolution: number; yResolution: number }): number {
  return p.height / p.yResolution / (p.width / p.xResolution);
}

/** Every scalar of the extracted data by path (`patient.name`, `codes[1]`), with its evidence. */
export function fieldRows(fax: Fax): FieldRow[] {
  const raw = (fax.evidence ?? {}) as Record<string, unknown>;
  const evidence = ((raw.fields as Record<string, Evidence> | undefined) ?? raw) as Record<string, Evidence>;
  const extra = fax as Fax & { needsReview?: string[] };
  const review = new Set(extra.needsReview ?? []);
  const rows: FieldRow[] = [];
  const walk = (value: unknown, path: string) => {
    if (Array.isArray(value)) {
      if (value.length === 0) rows.push({ path, value: null, evidence: null, needsReview: review.has(path) });
      for (const [i, v] of value.entries()) walk(v, `${path}[${i}]`);
    } else if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) walk(v, path ? `${path}.${k}` : k);
    } else {
      const e = evidence[path];
      rows.push({
        path,
        value,
        evidence: e && typeof e === 'object' && 'page' in e ? e : null,
        needsReview: review.has(path),
      });
    }
  };
  walk(fax.extractedData ?? {}, '');
  return rows;
}
