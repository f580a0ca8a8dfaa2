// The frame around every signed-in page: the bar (product, appliance, organisation switcher, sign
// out) and the navigation — a side column on wide screens, a drawer behind "Menu" on a phone. Each
// entry is a real link, marked aria-current on its page.

import {
  AppBar,
  Box,
  Button,
  Container,
  Divider,
  Drawer,
  List,
  ListItem,
  ListItemButton,
  ListItemText,
  MenuItem,
  TextField,
  Toolbar,
  Typography,
  useMediaQuery,
  useTheme,
} from '@mui/material';
import { type ReactNode, useState } from 'react';
import { LinkBehavior } from '../routing/router.tsx';

export interface ShellLink {
  label: string;
  path: string;
}

export interface OrganisationChoice {
  current: string;
  options: { id: string; label: string }[];
  onChange(id: string): void;
}

export interface ConsoleShellProps {
  title: string;
  serverLabel: string;
  /** Who is signed in, e.g. "jane@acme.test · owner". */
  who: string;
  links: ShellLink[];
  /** The link of the page on screen (null: none, e.g. not found). */
  activePath: string | null;
  organisation?: OrganisationChoice;
  onSignOut(): void;
  children: ReactNode;
}

const NAV_WIDTH = 220;

export function ConsoleShell(props: ConsoleShellProps) {
  const { title, serverLabel, who, links, activePath, organisation, onSignOut, children } = props;
  const theme = useTheme();
  const wide = useMediaQuery(theme.breakpoints.up('md'), { noSsr: true });
  const [open, setOpen] = useState(false);

  const nav = (
    <Box component="nav" aria-label="Pages" sx={{ width: NAV_WIDTH }}>
      <List>
        {links.map((link) => (
          // The <li> keeps the list a list for assistive technology; the link inside is the row.
          <ListItem key={link.path} disablePadding>
            <ListItemButton
              component={LinkBehavior}
              href={link.path}
              selected={link.path === activePath}
              aria-current={link.path === activePath ? 'page' : undefined}
              onClick={() => setOpen(false)}
            >
              <ListItemText primary={link.label} />
            </ListItemButton>
          </ListItem>
        ))}
      </List>
      {!wide && (
        <>
          <Divider />
          <Box sx={{ p: 2 }}>
            <Typography variant="body2" color="text.secondary" sx={{ overflowWrap: 'anywhere' }}>
              {who}
            </Typography>
          </Box>
        </>
      )}
    </Box>
  );

  return (
    <Box sx={{ display: 'flex', minHeight: '100vh' }}>
      <AppBar position="fixed" sx={{ zIndex: (t) => t.zIndex.drawer + 1 }}>
        <Toolbar sx={{ gap: { xs: 1, sm: 2 } }}>
          {!wide && (
            <Button
              color="inherit"
              onClick={() => setOpen(true)}
              aria-expanded={open}
              aria-controls="nav-drawer"
            >
              Menu
            </Button>
          )}
          <Box sx={{ flexGrow: 1, minWidth: 0 }}>
            <Typography variant="h6" component="p" noWrap sx={{ fontSize: { xs: '1rem', sm: '1.15rem' } }}>
              {title}
            </Typography>
            {wide && (
              <Typography variant="body2" noWrap sx={{ opacity: 0.9 }}>
                {serverLabel} · {who}
              </Typography>
            )}
          </Box>
          {organisation && organisation.options.length > 1 && (
            <TextField
              select
              size="small"
              label="Organisation"
              value={organisation.current}
              onChange={(e) => organisation.onChange(e.target.value)}
              sx={{
                minWidth: { xs: 120, sm: 200 },
                maxWidth: { xs: 150, sm: 280 },
                '& .MuiInputBase-root': { color: 'inherit', bgcolor: 'rgba(255,255,255,0.12)' },
                '& .MuiInputLabel-root, & .MuiSvgIcon-root': { color: 'inherit' },
              }}
            >
              {organisation.options.map((o) => (
                <MenuItem key={o.id} value={o.id}>
                  {o.label}
                </MenuItem>
              ))}
            </TextField>
          )}
          <Button color="inherit" onClick={onSignOut} sx={{ flexShrink: 0 }}>
            Sign out
          </Button>
        </Toolbar>
      </AppBar>
      {wide ? (
        <Drawer
          variant="permanent"
          sx={{ width: NAV_WIDTH, flexShrink: 0, '& .MuiDrawer-paper': { width: NAV_WIDTH } }}
        >
          <Toolbar />
          {nav}
        </Drawer>
      ) : (
        <Drawer id="nav-drawer" variant="temporary" open={open} onClose={() => setOpen(false)}>
          <Toolbar />
          {nav}
        </Drawer>
      )}
      <Box component="main" sx={{ flexGrow: 1, minWidth: 0 }}>
        <Toolbar />
        <Container maxWidth="lg" sx={{ py: 3, px: { xs: 2, sm: 3 } }}>
          {children}
        </Container>
      </Box>
    </Box>
  );
}
