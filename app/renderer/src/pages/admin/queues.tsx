// Queues: durable jobs by kind and state with the longest wait, and the OCR and extraction pools that
// work them; refreshed every few seconds.

import { Grid, Typography } from '@mui/material';
import type { AdminApi } from '../../api/admin-api.ts';
import { useResource } from '../../api/use-resource.ts';
import { DataList } from '../../layout/data-list.tsx';
import { count, dateTime } from '../../layout/format.ts';
import { Page } from '../../layout/page.tsx';
import { EmptyState, Loaded, Widget } from '../../layout/widget.tsx';

const KIND_WORDS: Record<string, string> = {
  'fax.process': 'OCR and PDF of received faxes',
  'fax.extract': 'Extraction',
  'fax.send': 'Outbound calls',
  'retention.purge': 'Retention purge',
};

export function Queues({ api }: { api: AdminApi }) {
  const queues = useResource(() => api.queues(), [api], { refreshMs: 3000 });
  const waited = (since: string | null, at: string) => {
    if (!since) return '—';
    const s = Math.max(0, Math.round((Date.parse(at) - Date.parse(since)) / 1000));
    return s < 120 ? `${s} s` : `${Math.round(s / 60)} min`;
  };
  return (
    <Page title="Queues" subtitle="Work waiting and in progress; refreshed every 3 seconds">
      <Grid container spacing={2} sx={{ mb: 2 }}>
        <Grid size={{ xs: 12, md: 4 }}>
          <Widget title="OCR pool" resource={queues}>
            {(q) =>
              q.pools.ocr ? (
                <Typography variant="body2" data-testid="ocr-pool">
                  {q.pools.ocr.engine}: {q.pools.ocr.threads} of {q.pools.ocr.maxThreads} threads running,{' '}
                  {count(q.pools.ocr.queued)} pages waiting, {count(q.pools.ocr.completed)} done
                </Typography>
              ) : (
                <Typography variant="body2">Idle: it starts with the next fax.</Typography>
              )
            }
          </Widget>
        </Grid>
        <Grid size={{ xs: 12, md: 4 }}>
          <Widget title="Extraction" resource={queues}>
            {(q) => (
              <Typography variant="body2">
                {q.pools.extraction
                  ? `${q.pools.extraction.provider} (${q.pools.extraction.chosen}), ${q.pools.extraction.running} running`
                  : 'Not running'}
              </Typography>
            )}
          </Widget>
        </Grid>
        <Grid size={{ xs: 12, md: 4 }}>
          <Widget title="Webhooks" resource={queues}>
            {(q) => (
              <Typography variant="body2">
                {count(q.webhooks.unfinished)} deliveries pending or in flight
              </Typography>
            )}
          </Widget>
        </Grid>
      </Grid>
      <Typography variant="h6" component="h2" gutterBottom>
        Jobs
      </Typography>
      <Loaded
        resource={queues}
        isEmpty={(q) => q.jobs.length === 0}
        empty={<EmptyState title="No jobs yet">Jobs appear with the first fax.</EmptyState>}
      >
        {(q) => (
          <DataList
            label="Jobs by kind"
            testId="jobs"
            rows={q.jobs}
            rowKey={(j) => j.kind}
            columns={[
              { label: 'Kind', render: (j) => `${KIND_WORDS[j.kind] ?? j.kind} (${j.kind})` },
              { label: 'Waiting', numeric: true, render: (j) => count(j.queued) },
              { label: 'Running', numeric: true, render: (j) => count(j.running) },
              { label: 'Failed', numeric: true, render: (j) => count(j.failed) },
              { label: 'Done', numeric: true, render: (j) => count(j.done) },
              { label: 'Oldest waiting', render: (j) => waited(j.oldestWaitingSince, q.at) },
            ]}
          />
        )}
      </Loaded>
      <Typography variant="caption" color="text.secondary">
        As of {dateTime(queues.data?.at)}
      </Typography>
    </Page>
  );
}
