// Developers: API keys, the webhook and extraction schema (with a trial on a received fax), the test
// event, secret rotation, and the delivery log with each attempt's request and response and replay.

import { Button, Stack } from '@mui/material';
import type { PartnerApi } from '../../api/partner-api.ts';
import { Page } from '../../layout/page.tsx';
import type { PartnerContext } from '../../partner-console.tsx';
import { LinkBehavior } from '../../routing/router.tsx';
import { Deliveries } from './developers/deliveries.tsx';
import { Keys } from './developers/keys.tsx';
import { WebhookSettings } from './developers/webhook-settings.tsx';

const SECTIONS = [
  { id: 'keys', label: 'API keys', path: '/partner/developers' },
  { id: 'webhook', label: 'Webhook and schema', path: '/partner/developers/webhook' },
  { id: 'deliveries', label: 'Deliveries', path: '/partner/developers/deliveries' },
] as const;

export function Developers({ api, ctx, section }: { api: PartnerApi; ctx: PartnerContext; section: string }) {
  const current = SECTIONS.find((s) => s.id === section) ?? SECTIONS[0];
  return (
    <Page title={`Developers: ${current.label}`} subtitle="Everything your integration needs">
      <Stack
        component="nav"
        aria-label="Developer sections"
        direction="row"
        sx={{ gap: 1, mb: 3, flexWrap: 'wrap' }}
      >
        {SECTIONS.map((s) => (
          <Button
            key={s.id}
            component={LinkBehavior}
            href={s.path}
            variant={s.id === current.id ? 'contained' : 'outlined'}
            aria-current={s.id === current.id ? 'page' : undefined}
          >
            {s.label}
          </Button>
        ))}
      </Stack>
      {current.id === 'keys' && <Keys api={api} />}
      {current.id === 'webhook' && <WebhookSettings api={api} ctx={ctx} />}
      {current.id === 'deliveries' && <Deliveries api={api} />}
    </Page>
  );
}
