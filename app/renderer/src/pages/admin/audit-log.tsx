// The audit log: every access to fax content, sign-in, role change, key and suspension, filtered by
// actor, partner, action, target and time; one entry in full; and the hash chain checked end to end.

import { Alert, Box, Button, Card, CardContent, Grid, Stack, TextField, Typography } from '@mui/material';
import { type FormEvent, useState } from 'react';
import type { AdminApi } from '../../api/admin-api.ts';
import type { ApiProblem } from '../../api/client.ts';
import type { AuditEntry, AuditVerification } from '../../api/types.ts';
import { asProblem, useResource } from '../../api/use-resource.ts';
import { DataList } from '../../layout/data-list.tsx';
import { dateTime } from '../../layout/format.ts';
import { Page } from '../../layout/page.tsx';
import { PagerButtons, usePager } from '../../layout/pager.tsx';
import { ProblemAlert } from '../../layout/problem-alert.tsx';
import { EmptyState, Loaded } from '../../layout/widget.tsx';
import { setQueryParam, useLocation } from '../../routing/router.tsx';

const FILTERS = [
  { name: 'actor', label: 'Actor (id)' },
  { name: 'partner', label: 'Partner (ptr_…)' },
  { name: 'action', label: 'Action, e.g. fax.content_read' },
  { name: 'target', label: 'Target (fax id…)' },
] as const;

export function AuditLog({ api }: { api: AdminApi }) {
  const { search } = useLocation();
  const filters = Object.fromEntries(
    [...FILTERS.map((f) => f.name), 'since', 'until'].map((n) => [n, search.get(n) ?? undefined]),
  ) as Record<string, string | undefined>;
  const key = JSON.stringify(filters);
  const pager = usePager();
  const entries = useResource(
    () => api.audit({ ...filters, limit: 50, cursor: pager.cursor }),
    [api, key, pager.cursor],
  );
  const [selected, setSelected] = useState<AuditEntry | null>(null);
  const [verification, setVerification] = useState<AuditVerification | null>(null);
  const [problem, setProblem] = useState<ApiProblem | null>(null);

  const apply = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    pager.reset();
    for (const name of [...FILTERS.map((f) => f.name), 'since', 'until']) {
      const raw = String(form.get(name) ?? '').trim();
      setQueryParam(name, raw && (name === 'since' || name === 'until') ? new Date(raw).toISOString() : raw);
    }
  };
  const verify = async () => {
    setProblem(null);
    try {
      setVerification(await api.verifyAudit());
    } catch (error) {
      setProblem(asProblem(error));
    }
  };

  return (
    <Page
      title="Audit log"
      subtitle="Append-only and hash-chained: who read which fax, who signed in, who changed what"
      actions={
        <Button variant="outlined" onClick={() => void verify()}>
          Verify the chain
        </Button>
      }
    >
      <ProblemAlert problem={problem} onClose={() => setProblem(null)} />
      {verification && (
        <Alert
          severity={verification.ok ? 'success' : 'error'}
          sx={{ mb: 2 }}
          data-testid="audit-verification"
          onClose={() => setVerification(null)}
        >
          {verification.ok
            ? `The chain is intact (${verification.entries ?? 0} entries checked); its head is ${verification.head?.slice(0, 16)}…, worth noting outside this appliance.`
            : `The chain is broken at entry ${verification.seq}: ${verification.reason}. Entries were changed or removed.`}
        </Alert>
      )}
      <Box component="form" onSubmit={apply} role="search" aria-label="Filter the audit log" sx={{ mb: 2 }}>
        <Grid container spacing={1}>
          {FILTERS.map((f) => (
            <Grid key={f.name} size={{ xs: 12, sm: 6, md: 3 }}>
              <TextField
                size="small"
                fullWidth
                name={f.name}
                label={f.label}
                defaultValue={filters[f.name] ?? ''}
              />
            </Grid>
          ))}
          <Grid size={{ xs: 12, sm: 6, md: 3 }}>
            <TextField
              size="small"
              fullWidth
              type="datetime-local"
              name="since"
              label="From"
              slotProps={{ inputLabel: { shrink: true } }}
            />
          </Grid>
          <Grid size={{ xs: 12, sm: 6, md: 3 }}>
            <TextField
              size="small"
              fullWidth
              type="datetime-local"
              name="until"
              label="Until"
              slotProps={{ inputLabel: { shrink: true } }}
            />
          </Grid>
          <Grid size={{ xs: 12, md: 3 }}>
            <Button type="submit" variant="contained">
              Filter
            </Button>
          </Grid>
        </Grid>
      </Box>
      <Grid container spacing={2}>
        <Grid size={{ xs: 12, lg: selected ? 8 : 12 }}>
          <Loaded
            resource={entries}
            skeletonRows={8}
            isEmpty={(p) => p.items.length === 0}
            empty={
              <EmptyState title="No entries match">Loosen the filters, or widen the time range.</EmptyState>
            }
          >
            {(p) => (
              <DataList
                label="Audit entries"
                testId="audit-entries"
                rows={p.items}
                rowKey={(e) => String(e.seq)}
                columns={[
                  { label: 'When', render: (e) => dateTime(e.at) },
                  { label: 'Action', render: (e) => <code>{e.action}</code> },
                  { label: 'Actor', render: (e) => `${e.actorType}${e.actorId ? ` ${e.actorId}` : ''}` },
                  {
                    label: 'Target',
                    render: (e) => (e.targetId ? `${e.targetType ?? ''} ${e.targetId}` : '—'),
                  },
                ]}
                actions={(e) => (
                  <Button size="small" onClick={() => setSelected(e)} aria-label={`Show entry ${e.seq}`}>
                    Show
                  </Button>
                )}
              />
            )}
          </Loaded>
          <PagerButtons pager={pager} next={entries.data?.nextCursor} />
        </Grid>
        {selected && (
          <Grid size={{ xs: 12, lg: 4 }}>
            <Card
              variant="outlined"
              component="section"
              aria-label={`Audit entry ${selected.seq}`}
              data-testid="audit-entry"
            >
              <CardContent>
                <Stack direction="row" sx={{ alignItems: 'center' }}>
                  <Typography variant="h6" component="h2" sx={{ flexGrow: 1 }}>
                    Entry {selected.seq}
                  </Typography>
                  <Button size="small" onClick={() => setSelected(null)}>
                    Close
                  </Button>
                </Stack>
                <Box
                  component="pre"
                  tabIndex={0}
                  sx={{
                    whiteSpace: 'pre-wrap',
                    overflowWrap: 'anywhere',
                    fontSize: 12,
                    bgcolor: 'grey.100',
                    p: 1,
                    borderRadius: 1,
                  }}
                >
                  {JSON.stringify(selected, null, 2)}
                </Box>
              </CardContent>
            </Card>
          </Grid>
        )}
      </Grid>
    </Page>
  );
}
