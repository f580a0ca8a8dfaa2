// The frame around every signed-in page: title, server, page tabs and sign-out.

import { AppBar, Box, Button, Container, Tab, Tabs, Toolbar, Typography } from '@mui/material';
import type { ReactNode } from 'react';
import { navigate } from './hash-route.ts';

export interface ShellPage {
  route: string;
  label: string;
}

export interface ConsoleShellProps {
  title: string;
  serverLabel: string;
  pages: ShellPage[];
  route: string;
  onSignOut(): void;
  children: ReactNode;
}

export function ConsoleShell({ title, serverLabel, pages, route, onSignOut, children }: ConsoleShellProps) {
  return (
    <>
      <AppBar position="static">
        <Toolbar sx={{ gap: 2 }}>
          <Typography variant="h6">{title}</Typography>
          <Typography variant="body2" sx={{ opacity: 0.8, flexGrow: 1 }}>
            {serverLabel}
          </Typography>
          <Button color="inherit" onClick={onSignOut}>
            Sign out
          </Button>
        </Toolbar>
        <Tabs
          value={route}
          onChange={(_e, value: string) => navigate(value)}
          textColor="inherit"
          indicatorColor="secondary"
          sx={{ px: 2 }}
        >
          {pages.map((p) => (
            <Tab key={p.route} value={p.route} label={p.label} />
          ))}
        </Tabs>
      </AppBar>
      <Container maxWidth="lg" sx={{ py: 3 }}>
        <Box component="main">{children}</Box>
      </Container>
    </>
  );
}
