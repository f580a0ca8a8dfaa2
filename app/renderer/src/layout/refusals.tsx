// What a page says when it cannot be shown: an address that is no page, or a page the signed-in
// role may not use (a direct URL, a bookmark from another role).

import { Alert, AlertTitle, Button, Stack } from '@mui/material';
import { LinkBehavior } from '../routing/router.tsx';
import { Page } from './page.tsx';

export function NotFound({ home }: { home: string }) {
  return (
    <Page title="Page not found">
      <Alert severity="info">
        <AlertTitle>There is no page at this address</AlertTitle>
        Check the address, or go back to the start.
      </Alert>
      <Stack direction="row" sx={{ mt: 2 }}>
        <Button variant="contained" component={LinkBehavior} href={home}>
          Go to the start page
        </Button>
      </Stack>
    </Page>
  );
}

export function Forbidden({ page, role, home }: { page: string; role: string; home: string }) {
  return (
    <Page title={`${page}: not available`}>
      <Alert severity="warning" data-testid="forbidden">
        <AlertTitle>
          Your role ({role}) cannot open {page}
        </AlertTitle>
        Ask an owner or admin of your team to change your role if you need it.
      </Alert>
      <Stack direction="row" sx={{ mt: 2 }}>
        <Button variant="contained" component={LinkBehavior} href={home}>
          Go to the start page
        </Button>
      </Stack>
    </Page>
  );
}
