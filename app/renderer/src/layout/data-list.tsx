// A list of records as a table on wide screens and as cards on a phone, so nothing scrolls sideways
// at 390 px. Row buttons carry the row's name in their accessible label ("Release +12125550101").

import {
  Box,
  Card,
  CardContent,
  Stack,
  Table,
  TableBody,
  TableCell,
  TableContainer,
  TableHead,
  TableRow,
  Typography,
  useMediaQuery,
  useTheme,
} from '@mui/material';
import type { ReactNode } from 'react';

export interface Column<T> {
  label: string;
  render: (row: T) => ReactNode;
  /** Right-align (amounts, counts). */
  numeric?: boolean;
}

export interface DataListProps<T> {
  label: string;
  rows: T[];
  columns: Column<T>[];
  rowKey: (row: T) => string;
  /** Buttons for one row (their labels should name the row). */
  actions?: (row: T) => ReactNode;
  testId?: string;
}

export function DataList<T>({ label, rows, columns, rowKey, actions, testId }: DataListProps<T>) {
  const theme = useTheme();
  // noSsr: measured on the first render, so a list that mounts on a phone never renders the desktop
  // table for a frame first (MUI's default answers `false` until an effect has run).
  const phone = useMediaQuery(theme.breakpoints.down('sm'), { noSsr: true });
  if (phone) {
    return (
      <Stack
        component="ul"
        aria-label={label}
        sx={{ gap: 1, p: 0, m: 0, listStyle: 'none' }}
        data-testid={testId}
      >
        {rows.map((row) => (
          <Card component="li" variant="outlined" key={rowKey(row)} data-row={rowKey(row)}>
            <CardContent sx={{ '&:last-child': { pb: 2 } }}>
              {columns.map((c, i) => (
                <Box key={c.label} sx={{ display: 'flex', gap: 1, py: 0.25, minWidth: 0 }}>
                  {i > 0 && (
                    <Typography variant="body2" color="text.secondary" sx={{ minWidth: 96, flexShrink: 0 }}>
                      {c.label}
                    </Typography>
                  )}
                  <Box sx={{ minWidth: 0, overflowWrap: 'anywhere', fontWeight: i === 0 ? 600 : undefined }}>
                    {c.render(row)}
                  </Box>
                </Box>
              ))}
              {actions && (
                <Stack direction="row" sx={{ gap: 1, mt: 1, flexWrap: 'wrap' }}>
                  {actions(row)}
                </Stack>
              )}
            </CardContent>
          </Card>
        ))}
      </Stack>
    );
  }
  return (
    // Focusable: a table wider than its column scrolls, and a keyboard must reach it (WCAG
    // 2.1.1; axe's scrollable-region-focusable caught it mid-resize to a phone width).
    <TableContainer sx={{ overflowX: 'auto' }} tabIndex={0}>
      <Table size="small" aria-label={label} data-testid={testId}>
        <TableHead>
          <TableRow>
            {columns.map((c) => (
              <TableCell key={c.label} align={c.numeric ? 'right' : 'left'}>
                {c.label}
              </TableCell>
            ))}
            {actions && (
              <TableCell align="right">
                <Box component="span" sx={visuallyHidden}>
                  Actions
                </Box>
              </TableCell>
            )}
          </TableRow>
        </TableHead>
        <TableBody>
          {rows.map((row) => (
            <TableRow key={rowKey(row)} data-row={rowKey(row)}>
              {columns.map((c) => (
                <TableCell key={c.label} align={c.numeric ? 'right' : 'left'}>
                  {c.render(row)}
                </TableCell>
              ))}
              {actions && (
                <TableCell align="right" sx={{ whiteSpace: 'nowrap' }}>
                  {actions(row)}
                </TableCell>
              )}
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </TableContainer>
  );
}

export const visuallyHidden = {
  border: 0,
  clip: 'rect(0 0 0 0)',
  height: '1px',
  margin: '-1px',
  overflow: 'hidden',
  padding: 0,
  position: 'absolute',
  whiteSpace: 'nowrap',
  width: '1px',
} as const;
