// The inbox: received faxes newest first, following new arrivals without a reload; full-text search
// over the OCR text with the matching words highlighted in each snippet.

import { Box, Button, Chip, Stack, TextField, Typography } from '@mui/material';
import { type FormEvent, Fragment, useState } from 'react';
import type { PartnerApi } from '../../api/partner-api.ts';
import { useResource } from '../../api/use-resource.ts';
import { DataList } from '../../layout/data-list.tsx';
import { dateTime, phone, plural } from '../../layout/format.ts';
import { Page } from '../../layout/page.tsx';
import { PagerButtons, usePager } from '../../layout/pager.tsx';
import { EmptyState, Loaded } from '../../layout/widget.tsx';
import { Link, setQueryParam, useLocation } from '../../routing/router.tsx';

/** New faxes show up within this time, without a reload. */
const REFRESH_MS = 4000;
const PAGE_SIZE = 25;

export function Inbox({ api }: { api: PartnerApi }) {
  const { search } = useLocation();
  const q = search.get('q') ?? '';
  const user = search.get('user') ?? '';
  const [draft, setDraft] = useState(q);
  const pager = usePager();
  const cursor = pager.cursor;
  const faxes = useResource(
    () => api.inbox({ q: q || undefined, externalUserId: user || undefined, limit: PAGE_SIZE, cursor }),
    [api, q, user, cursor],
    // Only the first page follows arrivals; older pages hold still while read.
    { refreshMs: cursor ? undefined : REFRESH_MS },
  );

  const submit = (event: FormEvent) => {
    event.preventDefault();
    pager.reset();
    setQueryParam('q', draft.trim());
  };

  return (
    <Page title="Inbox" subtitle="Faxes received on your numbers; new ones appear here as they arrive">
      <Stack
        component="form"
        role="search"
        onSubmit={submit}
        direction={{ xs: 'column', sm: 'row' }}
        sx={{ gap: 1, mb: 2 }}
      >
        <TextField
          size="small"
          label="Search the text of faxes"
          name="q"
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          helperText='Words, "a phrase", diab* for prefixes, AND / OR / NOT'
          sx={{ flexGrow: 1, maxWidth: { sm: 520 } }}
        />
        <Box>
          <Button type="submit" variant="outlined">
            Search
          </Button>
        </Box>
      </Stack>
      {user && <Chip label={`User: ${user}`} onDelete={() => setQueryParam('user', null)} sx={{ mb: 2 }} />}
      <Loaded
        resource={faxes}
        skeletonRows={6}
        isEmpty={(p) => p.items.length === 0}
        empty={
          q ? (
            <EmptyState title={`No fax mentions “${q}”`}>
              Try fewer words, a prefix such as <code>{q.slice(0, 4)}*</code>, or check the spelling.
            </EmptyState>
          ) : (
            <EmptyState title="No faxes yet">
              Faxes sent to your numbers land here a few seconds after the call ends, with their text read.
              Provision a number under Numbers and fax it to try.
            </EmptyState>
          )
        }
      >
        {(p) => (
          <DataList
            label="Received faxes"
            testId="inbox-list"
            rows={p.items}
            rowKey={(f) => f.id}
            columns={[
              {
                label: 'From',
                render: (f) => (
                  <Link
                    href={`/partner/inbox/${f.id}`}
                    aria-label={`Open the fax from ${phone(f.from)}, ${dateTime(f.createdAt)}`}
                  >
                    {phone(f.from)}
                  </Link>
                ),
              },
              { label: 'To', render: (f) => `${f.externalUserId ?? '—'} (${phone(f.to)})` },
              { label: 'Pages', numeric: true, render: (f) => plural(f.pages, 'page') },
              {
                label: q ? 'Match' : 'Status',
                render: (f) =>
                  f.snippet ? (
                    <Snippet text={f.snippet} />
                  ) : (
                    <Stack direction="row" sx={{ gap: 0.5, flexWrap: 'wrap' }}>
                      <Chip size="small" label={f.purgedAt ? 'purged' : f.status} />
                      {f.ocrStatus === 'pending' && <Chip size="small" label="reading text…" />}
                      {f.extractionStatus === 'done' && (
                        <Chip size="small" color="success" label="data extracted" />
                      )}
                      {f.overage && <Chip size="small" color="warning" label="overage" />}
                    </Stack>
                  ),
              },
              { label: 'Received', render: (f) => dateTime(f.createdAt) },
            ]}
          />
        )}
      </Loaded>
      <PagerButtons pager={pager} next={faxes.data?.nextCursor} />
    </Page>
  );
}

/** The server marks hits with <mark>…</mark>; render them as elements, never as HTML. */
export function Snippet({ text }: { text: string }) {
  const parts = text.split(/(<mark>|<\/mark>)/);
  let marked = false;
  return (
    <Typography variant="body2" component="span" data-testid="snippet">
      {parts.map((part, i) => {
        if (part === '<mark>') {
          marked = true;
          return null;
        }
        if (part === '</mark>') {
          marked = false;
          return null;
        }
        // biome-ignore lint/suspicious/noArrayIndexKey: the pieces of one string keep their order.
        return marked ? <mark key={i}>{part}</mark> : <Fragment key={i}>{part}</Fragment>;
      })}
    </Typography>
  );
}
