// The frame of one page: its h1 (focused on arrival, so a screen reader announces the new page), the
// window title, actions beside the heading, and the content.

import { Box, Stack, Typography } from '@mui/material';
import { type ReactNode, useEffect, useRef } from 'react';

export interface PageProps {
  title: string;
  /** A short line under the heading. */
  subtitle?: ReactNode;
  actions?: ReactNode;
  children: ReactNode;
}

export function Page({ title, subtitle, actions, children }: PageProps) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} · FaxSeal`;
    heading.current?.focus({ preventScroll: true });
  }, [title]);
  return (
    <>
      <Stack
        direction={{ xs: 'column', sm: 'row' }}
        sx={{ alignItems: { xs: 'stretch', sm: 'center' }, gap: 2, mb: 3, flexWrap: 'wrap' }}
      >
        <Box sx={{ flexGrow: 1, minWidth: 0 }}>
          <Typography
            variant="h4"
            component="h1"
            ref={heading}
            tabIndex={-1}
            sx={{ fontSize: { xs: '1.6rem', sm: '2rem' }, outline: 'none', overflowWrap: 'anywhere' }}
          >
            {title}
          </Typography>
          {subtitle && (
            <Typography variant="body2" color="text.secondary" sx={{ mt: 0.5 }}>
              {subtitle}
            </Typography>
          )}
        </Box>
        {actions && (
          <Stack direction="row" sx={{ gap: 1, flexWrap: 'wrap' }}>
            {actions}
          </Stack>
        )}
      </Stack>
      {children}
    </>
  );
}
