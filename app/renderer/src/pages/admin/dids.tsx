// The DID pool: stock per area code, the numbers by status, and CSV import from the carrier.

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
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  TextField,
  Typography,
} from '@mui/material';
import { type ChangeEvent, useState } from 'react';
import type { AdminApi } from '../../api/admin-api.ts';
import type { ApiProblem } from '../../api/client.ts';
import type { DidImportResult, DidStatus } from '../../api/types.ts';
import { asProblem, useResource } from '../../api/use-resource.ts';
import { ProblemAlert } from '../../layout/problem-alert.tsx';

const PAGE_SIZE = 50;
type StatusFilter = DidStatus | 'all';

export function Dids({ api }: { api: AdminApi }) {
  const [status, setStatus] = useState<StatusFilter>('all');
  // The API pages by "after this E.164 number"; keep the trail to go back.
  const [afters, setAfters] = useState<(string | undefined)[]>([undefined]);
  const after = afters[afters.length - 1];
  const dids = useResource(
    () => api.listDids({ status: status === 'all' ? undefined : status, limit: PAGE_SIZE + 1, after }),
    [api, status, after],
  );
  const items = dids.data?.items.slice(0, PAGE_SIZE) ?? [];
  const hasMore = (dids.data?.items.length ?? 0) > PAGE_SIZE;

  return (
    <>
      <Typography variant="h5" gutterBottom>
        DID pool
      </Typography>
      <ImportCard api={api} onImported={() => dids.reload()} />
      <ProblemAlert problem={dids.error} />
      {dids.data && (
        <Box sx={{ mb: 2 }} data-testid="stock">
          <Typography variant="subtitle2" gutterBottom>
            Available by area code
          </Typography>
          <Stack direction="row" sx={{ gap: 1, flexWrap: 'wrap' }}>
            {dids.data.stock.map((s) => (
              <Chip key={s.areaCode} label={`${s.areaCode}: ${s.available}`} />
            ))}
            {dids.data.stock.length === 0 && (
              <Typography color="text.secondary">No DIDs available.</Typography>
            )}
          </Stack>
        </Box>
      )}
      <TextField
        select
        size="small"
        label="Status"
        value={status}
        onChange={(e) => {
          setStatus(e.target.value as StatusFilter);
          setAfters([undefined]);
        }}
        sx={{ width: 180, mb: 1 }}
      >
        {(['all', 'available', 'assigned', 'quarantined', 'disabled'] as const).map((s) => (
          <MenuItem key={s} value={s}>
            {s}
          </MenuItem>
        ))}
      </TextField>
      <Table size="small" data-testid="dids-table">
        <TableHead>
          <TableRow>
            <TableCell>Number</TableCell>
            <TableCell>Area code</TableCell>
            <TableCell>Status</TableCell>
            <TableCell>Source</TableCell>
            <TableCell>Quarantined until</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {items.map((d) => (
            <TableRow key={d.id}>
              <TableCell sx={{ fontFamily: 'monospace' }}>{d.number}</TableCell>
              <TableCell>{d.areaCode}</TableCell>
              <TableCell>{d.status}</TableCell>
              <TableCell>{d.source}</TableCell>
              <TableCell>
                {d.quarantinedUntil ? new Date(d.quarantinedUntil).toLocaleDateString() : ''}
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      <Box sx={{ display: 'flex', justifyContent: 'flex-end', gap: 1, mt: 1 }}>
        <Button disabled={afters.length === 1} onClick={() => setAfters((a) => a.slice(0, -1))}>
          Previous
        </Button>
        <Button disabled={!hasMore} onClick={() => setAfters((a) => [...a, items.at(-1)?.number])}>
          Next
        </Button>
      </Box>
    </>
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
    <Card sx={{ mb: 3 }}>
      <CardContent>
        <Typography variant="subtitle1" gutterBottom>
          Import DIDs (CSV)
        </Typography>
        <Typography variant="body2" color="text.secondary" gutterBottom>
          First column: US numbers in any common format; a header row is allowed.
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
