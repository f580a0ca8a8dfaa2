// Partners on this appliance: search by name or email, status, and a link to each one's detail.

import { Chip, Stack, TextField } from '@mui/material';
import { useState } from 'react';
import type { AdminApi } from '../../api/admin-api.ts';
import { useResource } from '../../api/use-resource.ts';
import { DataList } from '../../layout/data-list.tsx';
import { dateTime } from '../../layout/format.ts';
import { Page } from '../../layout/page.tsx';
import { EmptyState, Loaded } from '../../layout/widget.tsx';
import { Link } from '../../routing/router.tsx';

export function Partners({ api }: { api: AdminApi }) {
  const partners = useResource(() => api.listPartners(), [api]);
  const [q, setQ] = useState('');
  const needle = q.trim().toLowerCase();
  return (
    <Page title="Partners" subtitle="Companies whose products use this appliance">
      <Stack direction="row" sx={{ mb: 2 }} role="search">
        <TextField
          size="small"
          label="Search by company or email"
          value={q}
          onChange={(e) => setQ(e.target.value)}
          sx={{ width: '100%', maxWidth: 420 }}
        />
      </Stack>
      <Loaded
        resource={partners}
        isEmpty={(p) => p.items.length === 0}
        empty={
          <EmptyState title="No partners yet">
            Partners apply at /partners/apply and verify their email; they appear here.
          </EmptyState>
        }
      >
        {(p) => (
          <DataList
            label="Partners"
            testId="partners-table"
            rows={p.items.filter(
              (x) =>
                !needle ||
                x.companyName.toLowerCase().includes(needle) ||
                x.email.toLowerCase().includes(needle),
            )}
            rowKey={(x) => x.id}
            columns={[
              {
                label: 'Company',
                render: (x) => <Link href={`/admin/partners/${x.id}`}>{x.companyName}</Link>,
              },
              { label: 'Email', render: (x) => x.email },
              {
                label: 'Status',
                render: (x) => (
                  <Chip size="small" label={x.status} color={x.status === 'active' ? 'success' : 'warning'} />
                ),
              },
              { label: 'Since', render: (x) => dateTime(x.createdAt) },
            ]}
          />
        )}
      </Loaded>
    </Page>
  );
}
