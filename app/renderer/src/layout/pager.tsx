// Cursor pages of a list (newest first): the trail of cursors so "Newer" can go back, and the two
// buttons under the list.

import { Button, Stack } from '@mui/material';
import { useCallback, useState } from 'react';

export interface Pager {
  cursor: string | undefined;
  /** The first page (the one that follows new arrivals). */
  first: boolean;
  older(next: string | null | undefined): void;
  newer(): void;
  reset(): void;
}

export function usePager(): Pager {
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const older = useCallback((next: string | null | undefined) => next && setCursors((c) => [...c, next]), []);
  const newer = useCallback(() => setCursors((c) => (c.length > 1 ? c.slice(0, -1) : c)), []);
  const reset = useCallback(() => setCursors([undefined]), []);
  return { cursor: cursors[cursors.length - 1], first: cursors.length === 1, older, newer, reset };
}

export function PagerButtons({ pager, next }: { pager: Pager; next: string | null | undefined }) {
  if (pager.first && !next) return null;
  return (
    <Stack direction="row" sx={{ justifyContent: 'flex-end', gap: 1, mt: 1 }}>
      <Button disabled={pager.first} onClick={pager.newer}>
        Newer
      </Button>
      <Button disabled={!next} onClick={() => pager.older(next)}>
        Older
      </Button>
    </Stack>
  );
}
