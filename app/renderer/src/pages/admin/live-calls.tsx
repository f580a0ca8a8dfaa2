// Live calls: every fax call on the line as it happens (server-sent events) — its phase, pages so far,
// modem bit rate, T.38 or audio, and media loss — and the calls that ended in the last two minutes.

import { Chip, Stack, Typography } from '@mui/material';
import { useCallback, useState } from 'react';
import type { AdminApi } from '../../api/admin-api.ts';
import { type StreamEvent, useEventStream } from '../../api/event-stream.ts';
import type { LiveCall } from '../../api/types.ts';
import { DataList } from '../../layout/data-list.tsx';
import { dateTime, phone } from '../../layout/format.ts';
import { Page } from '../../layout/page.tsx';
import { EmptyState } from '../../layout/widget.tsx';

const PHASE_WORDS: Record<LiveCall['phase'], string> = {
  connecting: 'Connecting',
  negotiated: 'Negotiated',
  pages: 'Sending pages',
  ended: 'Ended',
};

export function LiveCalls({ api }: { api: AdminApi }) {
  const [calls, setCalls] = useState<Map<string, LiveCall>>(new Map());
  const onEvent = useCallback((e: StreamEvent) => {
    if (e.event === 'snapshot') {
      const { items } = JSON.parse(e.data) as { items: LiveCall[] };
      setCalls(new Map(items.map((c) => [c.id, c])));
    } else if (e.event === 'call') {
      const call = JSON.parse(e.data) as LiveCall;
      setCalls((m) => new Map(m).set(call.id, call));
    }
  }, []);
  const state = useEventStream(api.client, '/api/admin/calls/stream', onEvent);
  const rows = [...calls.values()].sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  const active = rows.filter((c) => !c.endedAt).length;

  return (
    <Page
      title="Live calls"
      subtitle={`${active} call${active === 1 ? '' : 's'} on the line`}
      actions={
        <Chip
          data-testid="stream-state"
          color={state === 'live' ? 'success' : 'warning'}
          label={state === 'live' ? 'Live' : state === 'connecting' ? 'Connecting…' : 'Reconnecting…'}
        />
      }
    >
      {rows.length === 0 ? (
        <EmptyState title="No calls right now">
          Calls appear here the moment they are answered and stay two minutes after they end. Try{' '}
          <code>npm run fax -- send</code> against the lab trunk.
        </EmptyState>
      ) : (
        <DataList
          label="Fax calls"
          testId="live-calls"
          rows={rows}
          rowKey={(c) => c.id}
          columns={[
            {
              label: 'Call',
              render: (c) => `${c.direction === 'inbound' ? 'In' : 'Out'} · ${phone(c.localNumber)}`,
            },
            {
              label: 'Phase',
              render: (c) => (
                <Stack direction="row" sx={{ gap: 0.5, flexWrap: 'wrap' }}>
                  <Chip
                    size="small"
                    color={c.endedAt ? (c.result?.ok ? 'success' : 'error') : 'info'}
                    label={PHASE_WORDS[c.phase]}
                  />
                  {c.result && !c.result.ok && <Typography variant="body2">{c.result.t30Text}</Typography>}
                </Stack>
              ),
            },
            { label: 'Pages', numeric: true, render: (c) => c.pages },
            {
              label: 'Bit rate',
              numeric: true,
              render: (c) => (c.bitRate ? `${c.bitRate.toLocaleString()} bit/s` : '—'),
            },
            { label: 'Media', render: (c) => (c.transport === 't38' ? 'T.38' : 'G.711 audio') },
            {
              label: 'Media loss',
              render: (c) =>
                c.transport === 't38'
                  ? `${c.media.lost} lost, ${c.media.recovered} recovered of ${c.media.received}`
                  : `${c.media.lost} frames concealed of ${c.media.received}`,
            },
            { label: 'Far end', render: (c) => c.remoteStationId ?? '—' },
            { label: 'Started', render: (c) => dateTime(c.startedAt) },
          ]}
        />
      )}
    </Page>
  );
}
