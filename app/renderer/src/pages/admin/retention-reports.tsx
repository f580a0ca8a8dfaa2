// Retention reports: what each purge deleted and when, for the compliance officer.

import { Box, Typography } from '@mui/material';
import type { AdminApi } from '../../api/admin-api.ts';
import { useResource } from '../../api/use-resource.ts';
import { DataList } from '../../layout/data-list.tsx';
import { count, dateTime, plural } from '../../layout/format.ts';
import { Page } from '../../layout/page.tsx';
import { PagerButtons, usePager } from '../../layout/pager.tsx';
import { EmptyState, Loaded } from '../../layout/widget.tsx';

const TRIGGER_WORDS: Record<string, string> = { schedule: 'Hourly schedule', cli: 'By hand (faxseal purge)' };

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
            rowKey={(x) => String(x.id)}
            columns={[
              { label: 'Ran', render: (x) => dateTime(x.finishedAt) },
              { label: 'Trigger', render: (x) => TRIGGER_WORDS[x.trigger] ?? x.trigger },
              { label: 'Faxes purged', numeric: true, render: (x) => count(x.faxesPurged) },
              { label: 'Files deleted', numeric: true, render: (x) => count(x.blobsDeleted) },
              {
                label: 'Faxes',
                render: (x) =>
                  x.faxIds.length === 0 ? (
                    '—'
                  ) : (
                    <Box component="details">
                      <Typography component="summary" variant="body2">
                        {`Show the ${plural(x.faxIds.length, 'fax id')}`}
                      </Typography>
                      <Box
                        component="ul"
                        sx={{ m: 0, pl: 2, fontFamily: 'monospace', fontSize: 12, overflowWrap: 'anywhere' }}
                      >
                        {x.faxIds.map((id) => (
                          <li key={id}>{id}</li>
                        ))}
                      </Box>
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
