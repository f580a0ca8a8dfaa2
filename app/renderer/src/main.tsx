// Renderer entry: the MUI theme (colours that pass WCAG AA on white and on the bar, a focus ring
// every control shows on keyboard focus) and the console app.

import { CssBaseline, createTheme, ThemeProvider } from '@mui/material';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app.tsx';
import { LinkBehavior } from './routing/router.tsx';

const FOCUS_RING = { outline: '3px solid #1d4ed8', outlineOffset: 2 };

const theme = createTheme({
  palette: {
    primary: { main: '#0b5563' },
    secondary: { main: '#8a5a00' },
    // MUI's default secondary text (#00000099) is 4.6:1 on white; keep it there or darker.
    text: { secondary: 'rgba(0, 0, 0, 0.68)' },
    warning: { main: '#b45309' },
    success: { main: '#166534' },
    // MUI's default info blue (#0288d1) is 3.9:1 under white chip text.
    info: { main: '#01579b' },
  },
  components: {
    MuiLink: { defaultProps: { component: LinkBehavior } },
    MuiButtonBase: { styleOverrides: { root: { '&.Mui-focusVisible': FOCUS_RING } } },
    MuiCssBaseline: {
      styleOverrides: {
        // Headings take focus on arrival (tabindex -1) for screen readers; they are not controls.
        'a:focus-visible, [tabindex]:not([tabindex="-1"]):focus-visible, summary:focus-visible': FOCUS_RING,
        pre: { maxWidth: '100%' },
      },
    },
    MuiChip: { styleOverrides: { root: { maxWidth: '100%' } } },
  },
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ThemeProvider theme={theme}>
      <CssBaseline />
      <App />
    </ThemeProvider>
  </StrictMode>,
);
