// One block of a page that loads on its own: a skeleton while it loads, its error with Retry if it
// fails (the rest of the page keeps working), an empty state that says what to do next, or its
// content.

import { Box, Card, CardContent, Skeleton, Stack, Typography } from '@mui/material';
import type { ReactNode } from 'react';
import type { Resource } from '../api/use-resource.ts';
import { ProblemAlert } from './problem-alert.tsx';

export interface WidgetProps<T> {
  resource: Resource<T>;
  /** Rows of skeleton to show while loading. */
  skeletonRows?: number;
  /** When the data is there but has nothing to show. */
  isEmpty?: (data: T) => boolean;
  empty?: ReactNode;
  children: (data: T) => ReactNode;
}

export function Loaded<T>({ resource, skeletonRows = 3, isEmpty, empty, children }: WidgetProps<T>) {
  if (resource.loading && !resource.data) {
    return (
      <Stack aria-busy="true" aria-label="Loading" sx={{ gap: 1 }} data-testid="skeleton">
        {Array.from({ length: skeletonRows }, (_, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: placeholders have no identity.
          <Skeleton key={i} variant="rounded" height={28} />
        ))}
      </Stack>
    );
  }
  if (!resource.data) return <ProblemAlert problem={resource.error} onRetry={resource.reload} />;
  return (
    <>
      {resource.error && <ProblemAlert problem={resource.error} onRetry={resource.reload} />}
      {isEmpty?.(resource.data) && empty ? empty : children(resource.data)}
    </>
  );
}

/** A titled card around a Loaded block (dashboard tiles, detail sections). */
export function Widget<T>({
  title,
  action,
  ...props
}: WidgetProps<T> & { title: string; action?: ReactNode }) {
  return (
    <Card variant="outlined" sx={{ height: '100%' }} component="section" aria-label={title}>
      <CardContent>
        <Stack direction="row" sx={{ alignItems: 'center', mb: 1, gap: 1 }}>
          <Typography variant="h6" component="h2" sx={{ flexGrow: 1, fontSize: '1.05rem' }}>
            {title}
          </Typography>
          {action}
        </Stack>
        <Loaded {...props} />
      </CardContent>
    </Card>
  );
}

/** What to say when a list is empty: what it will hold, and the next step. */
export function EmptyState({
  title,
  children,
  action,
}: {
  title: string;
  children?: ReactNode;
  action?: ReactNode;
}) {
  return (
    <Box sx={{ py: 4, px: 2, textAlign: 'center' }} data-testid="empty-state">
      <Typography variant="subtitle1" component="p" sx={{ fontWeight: 600 }}>
        {title}
      </Typography>
      {children && (
        <Typography
          variant="body2"
          color="text.secondary"
          component="div"
          sx={{ mt: 0.5, maxWidth: 520, mx: 'auto' }}
        >
          {children}
        </Typography>
      )}
      {action && <Box sx={{ mt: 2 }}>{action}</Box>}
    </Box>
  );
}
