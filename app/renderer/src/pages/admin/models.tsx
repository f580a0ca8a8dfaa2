// Models: the extraction provider this appliance runs (and why), and the GGUF files in models/ with
// their catalog entry and checksum status.

import { Chip, Typography } from '@mui/material';
import type { AdminApi } from '../../api/admin-api.ts';
import { useResource } from '../../api/use-resource.ts';
import { DataList } from '../../layout/data-list.tsx';
import { Page } from '../../layout/page.tsx';
import { EmptyState, Loaded, Widget } from '../../layout/widget.tsx';

const gib = (bytes: number | null) => (bytes === null ? '—' : `${(bytes / 1024 ** 3).toFixed(1)} GiB`);

export function Models({ api }: { api: AdminApi }) {
  const models = useResource(() => api.models(), [api]);
  return (
    <Page title="Models" subtitle="How extraction runs on this appliance">
      <Widget title="Active provider" resource={models}>
        {(m) => (
          <>
            <Typography variant="h5" component="p" data-testid="provider">
              {m.provider.name}
            </Typography>
            <Typography variant="body2" color="text.secondary">
              {m.provider.chosen === 'configured'
                ? 'Set by FAXSEAL_EXTRACTION_PROVIDER'
                : 'Chosen automatically from models/'}
              {Object.entries(m.provider.settings)
                .map(([k, v]) => ` · ${k}: ${v ?? '—'}`)
                .join('')}
            </Typography>
          </>
        )}
      </Widget>
      <Typography variant="h6" component="h2" sx={{ mt: 3, mb: 1 }}>
        Installed models
      </Typography>
      <Loaded
        resource={models}
        isEmpty={(m) => m.models.length === 0}
        empty={
          <EmptyState title="No model files">
            Extraction uses the rules provider. Place a GGUF file from the catalog in <code>models/</code> and
            restart to use a language model.
          </EmptyState>
        }
      >
        {(m) => (
          <DataList
            label="Models"
            testId="models"
            rows={m.models}
            rowKey={(x) => x.path}
            columns={[
              { label: 'Model', render: (x) => x.name },
              { label: 'File', render: (x) => <code>{x.file}</code> },
              { label: 'Size', numeric: true, render: (x) => gib(x.sizeBytes) },
              {
                label: 'Status',
                render: (x) => (
                  <Chip
                    size="small"
                    label={x.status}
                    color={
                      x.status === 'verified'
                        ? 'success'
                        : x.status === 'checksum_mismatch'
                          ? 'error'
                          : 'default'
                    }
                  />
                ),
              },
            ]}
          />
        )}
      </Loaded>
    </Page>
  );
}
