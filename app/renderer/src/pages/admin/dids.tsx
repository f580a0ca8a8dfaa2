// The DID pool: stock per area code, search by digits, each number's status and owner, and CSV
// import from the carrier.

import {
  Alert,
  AlertTitle,
  Box,
  Button,
  Card,
  CardContent,
  Chip,
  MenuItem,
  Stack,
  TextField,
  Typography,
} from '@mui/material';
import { type ChangeEvent, useState } from 'react';
import type { AdminApi } from '../../api/admin-api.ts';
import type { ApiProblem } from '../../api/client.ts';
import type { DidImportResult, DidStatus } from '../../api/types.ts';
import { asProblem, useResource } from '../../api/use-resource.ts';
import { DataList } from '../../layout/data-list.tsx';
import { date, phone } from '../../layout/format.ts';
import { Page } from '../../layout/page.tsx';
import { ProblemAlert } from '../../layout/problem-alert.tsx';
import { EmptyState, Loaded } from '../../layout/widget.tsx';
import type { OperatorContext } from '../../operator-console.tsx';
import { Link } from '../../routing/router.tsx';

const PAGE_SIZE = 50;
type StatusFilter = DidStatus | 'all';

export function Dids({ api, ctx }: { api: AdminApi; ctx: OperatorContext }) {
  const [status, setStatus] = useState<StatusFilter>('all');
  const [q, setQ] = useState('');
  const [draft, setDraft] = useState('');
  // The API pages by "after this E.164 number"; keep the trail to go back.
  const [afters, setAfters] = useState<(string | undefined)[]>([undefined]);
  const after = afters[afters.length - 1];
  const dids = useResource(
    () =>
      api.listDids({
        status: status === 'all' ? undefined : status,
        limit: PAGE_SIZE + 1,
        after,
        q: q || undefined,
      }),
    [api, status, after, q],
  );
  const items = dids.data?.items.slice(0, PAGE_SIZE) ?? [];
  const hasMore = (dids.data?.items.length ?? 0) > PAGE_SIZE;

  return (
    <Page title="DIDs" subtitle="The pool of fax numbers partners draw from">
      {ctx.may.has('admin:write') && <ImportCard api={api} onImported={() => dids.reload()} />}
      <Loaded resource={dids} skeletonRows={6}>
        {(d) => (
          <>
            <Box sx={{ mb: 2 }} data-testid="stock">
              <Typography variant="subtitle2" component="h2" gutterBottom>
                Available by area code
              </Typography>
              <Stack direction="row" sx={{ gap: 1, flexWrap: 'wrap' }}>
                {d.stock.map((s) => (
                  <Chip key={s.areaCode} label={`${s.areaCode}: ${s.available}`} />
                ))}
                {d.stock.length === 0 && (
                  <Typography color="text.secondary">No DIDs available: import some above.</Typography>
                )}
              </Stack>
            </Box>
            <Stack
              component="form"
              role="search"
              direction={{ xs: 'column', sm: 'row' }}
              sx={{ gap: 1, mb: 2 }}
              onSubmit={(e) => {
                e.preventDefault();
                setAfters([undefined]);
                setQ(draft.replace(/\D/g, ''));
              }}
            >
              <TextField
                size="small"
                label="Search by digits"
                value={draft}
                onChange={(e) => setDraft(e.target.value)}
              />
              <TextField
                select
                size="small"
                label="Status"
                value={status}
                onChange={(e) => {
                  setStatus(e.target.value as StatusFilter);
                  setAfters([undefined]);
                }}
                sx={{ width: { sm: 180 } }}
              >
                {(['all', 'available', 'assigned', 'quarantined', 'disabled'] as const).map((s) => (
                  <MenuItem key={s} value={s}>
                    {s}
                  </MenuItem>
                ))}
              </TextField>
              <Button type="submit" variant="outlined">
                Search
              </Button>
            </Stack>
            {items.length === 0 ? (
              <EmptyState title={q ? `No DID contains ${q}` : 'The pool is empty'}>
                Import your carrier’s numbers as CSV.
              </EmptyState>
            ) : (
              <DataList
                label="DIDs"
                testId="dids-table"
                rows={items}
                rowKey={(x) => x.id}
                columns={[
                  {
                    label: 'Number',
                    render: (x) => <span style={{ fontFamily: 'monospace' }}>{phone(x.number)}</span>,
                  },
                  { label: 'Status', render: (x) => x.status },
                  {
                    label: 'Owner',
                    render: (x) =>
                      x.owner ? (
                        <Link href={`/admin/partners/${x.owner.partnerId}`}>
                          {x.owner.companyName} · {x.owner.externalUserId}
                        </Link>
                      ) : (
                        '—'
                      ),
                  },
                  { label: 'Source', render: (x) => x.source },
                  {
                    label: 'Quarantined until',
                    render: (x) => (x.quarantinedUntil ? date(x.quarantinedUntil) : '—'),
                  },
                ]}
              />
            )}
          </>
        )}
      </Loaded>
      <Box sx={{ display: 'flex', justifyContent: 'flex-end', gap: 1, mt: 1 }}>
        <Button disabled={afters.length === 1} onClick={() => setAfters((a) => a.slice(0, -1))}>
          Previous
        </Button>
        <Button disabled={!hasMore} onClick={() => setAfters((a) => [...a, items.at(-1)?.number])}>
          Next
        </Button>
      </Box>
    </Page>
  );
}

function ImportCard({ api, onImported }: { api: AdminApi; onImported(): void }) {
  const [csv, setCsv] = useState('');
  const [result, setResult] = useState<DidImportResult | null>(null);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [busy, setBusy] = useState(false);

  const pickFile = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    if (file) setCsv(await file.text());
  };

  const runImport = async () => {
    setBusy(true);
    setProblem(null);
    setResult(null);
    try {
      setResult(await api.importDids(csv));
      setCsv('');
      onImported();
    } catch (error) {
      setProblem(asProblem(error));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card variant="outlined" sx={{ mb: 3 }}>
      <CardContent>
        <Typography variant="h6" component="h2" gutterBottom>
          Import DIDs (CSV)
        </Typography>
        <Typography variant="body2" color="text.secondary" gutterBottom>
          First column: US numbers in any common format; a header row is allowed. Paste the lines or choose a
          file; each line not imported is listed with its reason.
        </Typography>
        <ProblemAlert problem={problem} />
        {result && (
          <Alert
            severity={result.skipped.length > 0 ? 'warning' : 'success'}
            sx={{ mb: 2 }}
            data-testid="import-result"
          >
            <AlertTitle>
              Imported {result.imported} DID{result.imported === 1 ? '' : 's'}
              {result.skipped.length > 0 && `, skipped ${result.skipped.length}`}
            </AlertTitle>
            {result.skipped.length > 0 && (
              <ul style={{ margin: 0, paddingLeft: 20 }}>
                {result.skipped.slice(0, 20).map((s) => (
                  <li key={`${s.line}|${s.value}`}>
                    {s.line > 0 && `line ${s.line}: `}
                    <code>{s.value}</code> {s.reason}
                  </li>
                ))}
                {result.skipped.length > 20 && <li>and {result.skipped.length - 20} more lines</li>}
              </ul>
            )}
          </Alert>
        )}
        <TextField
          label="CSV"
          name="csv"
          multiline
          minRows={4}
          fullWidth
          value={csv}
          onChange={(e) => setCsv(e.target.value)}
          slotProps={{ htmlInput: { spellCheck: false, style: { fontFamily: 'monospace' } } }}
        />
        <Stack direction="row" sx={{ gap: 1, mt: 1 }}>
          <Button component="label" variant="outlined">
            Choose file…
            <input hidden type="file" accept=".csv,text/csv" onChange={(e) => void pickFile(e)} />
          </Button>
          <Button variant="contained" disabled={busy || csv.trim() === ''} onClick={() => void runImport()}>
            Import
          </Button>
        </Stack>
      </CardContent>
    </Card>
  );
}
