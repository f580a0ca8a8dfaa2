// Operators (superadmin only): who may sign in to this console and with which role.

import { Chip } from '@mui/material';
import type { AdminApi } from '../../api/admin-api.ts';
import { useResource } from '../../api/use-resource.ts';
import { DataList } from '../../layout/data-list.tsx';
import { dateTime } from '../../layout/format.ts';
import { Page } from '../../layout/page.tsx';
import { EmptyState, Loaded } from '../../layout/widget.tsx';

const ROLE_WORDS: Record<string, string> = {
  superadmin: 'everything, including operators',
  operator: 'partners, trunks, DIDs, credits, models',
  auditor: 'read-only: audit log, retention reports, partners',
};

export function Operators({ api }: { api: AdminApi }) {
  const operators = useResource(() => api.operators(), [api]);
  return (
    <Page
      title="Operators"
      subtitle="Create, disable and reset operators with `npm run faxseal -- create-admin` and its siblings"
    >
      <Loaded
        resource={operators}
        isEmpty={(o) => o.items.length === 0}
        empty={<EmptyState title="No operators" />}
      >
        {(o) => (
          <DataList
            label="Operators"
            testId="operators"
            rows={o.items}
            rowKey={(x) => x.id}
            columns={[
              { label: 'Username', render: (x) => x.username },
              {
                label: 'Role',
                render: (x) => <Chip size="small" label={x.role} title={ROLE_WORDS[x.role]} />,
              },
              { label: 'May', render: (x) => ROLE_WORDS[x.role] ?? '—' },
              { label: 'Created', render: (x) => dateTime(x.createdAt) },
              {
                label: 'Status',
                render: (x) => (x.disabledAt ? `disabled ${dateTime(x.disabledAt)}` : 'active'),
              },
            ]}
          />
        )}
      </Loaded>
    </Page>
  );
}
