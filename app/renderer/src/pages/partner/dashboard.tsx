// The partner's overview: what is live right now, all read from the API (no invented figures).

import { Card, CardContent, Grid, Link, Typography } from '@mui/material';
import type { ReactNode } from 'react';
import type { PartnerApi } from '../../api/partner-api.ts';
import { useResource } from '../../api/use-resource.ts';
import { ProblemAlert } from '../../layout/problem-alert.tsx';

export function Dashboard({ api }: { api: PartnerApi }) {
  const overview = useResource(async () => {
    const [activeNumbers, settings, keys, credits] = await Promise.all([
      api.countActiveNumbers(),
      api.getSettings(),
      api.listKeys(),
      api.credits(),
    ]);
    return { activeNumbers, settings, liveKeys: keys.items.filter((k) => !k.revokedAt).length, credits };
  }, [api]);

  const d = overview.data;
  const schemaFields = d?.settings.extractionSchema ? Object.keys(d.settings.extractionSchema).length : 0;
  return (
    <>
      <Typography variant="h5" gutterBottom>
        Dashboard
      </Typography>
      <ProblemAlert problem={overview.error} />
      {d && (
        <Grid container spacing={2}>
          <Tile title="Active numbers" testId="active-numbers" href="#/numbers">
            {d.activeNumbers}
          </Tile>
          <Tile title="Webhook" href="#/settings">
            {d.settings.webhookUrl ? 'Configured' : 'Not set'}
          </Tile>
          <Tile title="Extraction schema" href="#/settings">
            {schemaFields > 0 ? `${schemaFields} field${schemaFields === 1 ? '' : 's'}` : 'None'}
          </Tile>
          <Tile title="Live API keys" href="#/keys">
            {d.liveKeys}
          </Tile>
          {d.credits && (
            <Tile title="Credits" testId="credits">
              {d.credits.balance}
            </Tile>
          )}
        </Grid>
      )}
    </>
  );
}

function Tile({
  title,
  children,
  href,
  testId,
}: {
  title: string;
  children: ReactNode;
  href?: string;
  testId?: string;
}) {
  return (
    <Grid size={{ xs: 12, sm: 6, md: 3 }}>
      <Card>
        <CardContent>
          <Typography variant="overline" color="text.secondary">
            {href ? (
              <Link href={href} underline="hover" color="inherit">
                {title}
              </Link>
            ) : (
              title
            )}
          </Typography>
          <Typography variant="h4" data-testid={testId}>
            {children}
          </Typography>
        </CardContent>
      </Card>
    </Grid>
  );
}
