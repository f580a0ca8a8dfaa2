// Retention reports: what each purge deleted and when, for the compliance officer.

import { Box, Typography } from '@mui/material';
import type { AdminApi, RetentionReport } from '../../api/admin-api.ts';
import { useResource } from '../../api/use-resource.ts';
import { DataList } from '../../layout/data-list.tsx';
import { dateTime } from '../../layout/format.ts';
import { Page } from '../../layout/page.tsx';
import { PagerButtons, usePager } from '../../layout/pager.tsx';
import { EmptyState, Loaded } from '../../layout/widget.tsx';

const field = (r: RetentionReport, ...names: string[]) => {
  for (const n of names) if (r[n] !== undefined && r[n] !== null) return r[n];
  return null;
};

export function RetentionReports({ api }: { api: AdminApi }) {
  const pager = usePager();
  const reports = useResource(
    () => api.retentionReports({ limit: 50, cursor: pager.cursor }),
    [api, pager.cursor],
  );
  return (
    <Page
      title="Retention reports"
      subtitle="Each purge run: when it ran and what it deleted under the partners’ retention settings"
    >
      <Loaded
        resource={reports}
        isEmpty={(r) => r.items.length === 0}
        empty={
          <EmptyState title="No purge has run yet">
            The purge runs hourly; faxes past their retention are deleted and reported here.
          </EmptyState>
        }
      >
        {(r) => (
          <DataList
            label="Retention reports"
            testId="retention-reports"
            rows={r.items}
            rowKey={(x) => x.id}
            columns={[
              { label: 'Ran', render: (x) => dateTime(String(field(x, 'ranAt', 'createdAt', 'at') ?? '')) },
              { label: 'Trigger', render: (x) => String(field(x, 'trigger', 'reason') ?? '—') },
              {
                label: 'Faxes purged',
                numeric: true,
                render: (x) => String(field(x, 'faxesPurged', 'purged', 'faxes') ?? '—'),
              },
              {
                label: 'Details',
                render: (x) => (
                  <Box component="details">
                    <Typography component="summary" variant="body2">
                      Show
                    </Typography>
                    <pre style={{ whiteSpace: 'pre-wrap', fontSize: 12 }}>{JSON.stringify(x, null, 2)}</pre>
                  </Box>
                ),
              },
            ]}
          />
        )}
      </Loaded>
      <PagerButtons pager={pager} next={reports.data?.nextCursor} />
    </Page>
  );
}
