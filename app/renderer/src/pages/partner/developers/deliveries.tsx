// The webhook delivery log: each delivery's attempts with the answer your endpoint gave, the request
// it sent (the signed event body), and replay (same event id, a fresh round of attempts).

import {
  Alert,
  Box,
  Button,
  Card,
  CardContent,
  Chip,
  MenuItem,
  Stack,
  TextField,
  Typography,
} from '@mui/material';
import { useState } from 'react';
import type { ApiProblem } from '../../../api/client.ts';
import type { PartnerApi } from '../../../api/partner-api.ts';
import type { Delivery, DeliveryRequest, DeliveryStatus } from '../../../api/types.ts';
import { asProblem, useResource } from '../../../api/use-resource.ts';
import { DataList } from '../../../layout/data-list.tsx';
import { dateTime } from '../../../layout/format.ts';
import { PagerButtons, usePager } from '../../../layout/pager.tsx';
import { ProblemAlert } from '../../../layout/problem-alert.tsx';
import { EmptyState, Loaded } from '../../../layout/widget.tsx';

const STATUS_COLOUR: Record<DeliveryStatus, 'default' | 'info' | 'success' | 'error' | 'warning'> = {
  pending: 'warning',
  delivering: 'info',
  succeeded: 'success',
  failed: 'error',
  skipped: 'default',
};

export function Deliveries({ api }: { api: PartnerApi }) {
  const [status, setStatus] = useState<DeliveryStatus | 'all'>('all');
  const pager = usePager();
  const list = useResource(
    () => api.deliveries({ limit: 25, cursor: pager.cursor, status: status === 'all' ? undefined : status }),
    [api, pager.cursor, status],
    { refreshMs: pager.first ? 5000 : undefined },
  );
  const [open, setOpen] = useState<string | null>(null);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [replayed, setReplayed] = useState<Delivery | null>(null);

  const opened = list.data?.items.find((d) => d.id === open) ?? null;

  const replay = async (d: Delivery) => {
    setProblem(null);
    try {
      setReplayed(await api.replay(d.id));
      list.reload();
    } catch (error) {
      setProblem(asProblem(error));
    }
  };

  return (
    <>
      <Stack direction="row" sx={{ mb: 2, gap: 1 }}>
        <TextField
          select
          size="small"
          label="Status"
          value={status}
          onChange={(e) => {
            pager.reset();
            setStatus(e.target.value as DeliveryStatus | 'all');
          }}
          sx={{ width: 180 }}
        >
          <MenuItem value="all">All</MenuItem>
          <MenuItem value="failed">Failed</MenuItem>
          <MenuItem value="pending">Retrying</MenuItem>
          <MenuItem value="succeeded">Succeeded</MenuItem>
          <MenuItem value="skipped">Skipped (no URL)</MenuItem>
        </TextField>
      </Stack>
      <ProblemAlert problem={problem} onClose={() => setProblem(null)} />
      {replayed && (
        <Alert
          severity="success"
          sx={{ mb: 2, overflowWrap: 'anywhere' }}
          onClose={() => setReplayed(null)}
          data-testid="replayed"
        >
          Replayed {replayed.event} as a new delivery (same event id {replayed.eventId}).
        </Alert>
      )}
      <Loaded
        resource={list}
        skeletonRows={5}
        isEmpty={(p) => p.items.length === 0}
        empty={
          <EmptyState title="No deliveries yet">
            Each event sent to your webhook is listed here with every attempt. Send a test event from “Webhook
            and schema” to see one.
          </EmptyState>
        }
      >
        {(p) => (
          <DataList
            label="Webhook deliveries"
            testId="deliveries"
            rows={p.items}
            rowKey={(d) => d.id}
            columns={[
              { label: 'Event', render: (d) => <code>{d.event}</code> },
              {
                label: 'Status',
                render: (d) => (
                  <Stack direction="row" sx={{ gap: 0.5, flexWrap: 'wrap' }}>
                    <Chip size="small" color={STATUS_COLOUR[d.status]} label={d.status} />
                    {d.replayOf && <Chip size="small" label="replay" />}
                  </Stack>
                ),
              },
              {
                label: 'Last answer',
                render: (d) =>
                  d.lastStatusCode ? `HTTP ${d.lastStatusCode}` : (d.lastError ?? d.reason ?? '—'),
              },
              { label: 'Attempts', numeric: true, render: (d) => d.attemptCount },
              { label: 'Created', render: (d) => dateTime(d.createdAt) },
            ]}
            actions={(d) => (
              <>
                <Button
                  size="small"
                  onClick={() => setOpen(open === d.id ? null : d.id)}
                  aria-expanded={open === d.id}
                  aria-label={`${open === d.id ? 'Hide details' : 'Details'}: request and response of ${d.event} ${d.id}`}
                >
                  {open === d.id ? 'Hide details' : 'Details'}
                </Button>
                {d.status !== 'pending' && d.status !== 'delivering' && (
                  <Button
                    size="small"
                    onClick={() => void replay(d)}
                    aria-label={`Replay ${d.event} ${d.id}`}
                  >
                    Replay
                  </Button>
                )}
              </>
            )}
          />
        )}
      </Loaded>
      <PagerButtons pager={pager} next={list.data?.nextCursor} />
      {opened && (
        <Card variant="outlined" sx={{ mt: 2 }} component="section" aria-label={`Delivery ${opened.id}`}>
          <CardContent>
            <Typography variant="h6" component="h2" sx={{ overflowWrap: 'anywhere' }}>
              {opened.event} · {opened.id}
            </Typography>
            <DeliveryDetail api={api} delivery={opened} />
          </CardContent>
        </Card>
      )}
    </>
  );
}

function DeliveryDetail({ api, delivery }: { api: PartnerApi; delivery: Delivery }) {
  const request = useResource<DeliveryRequest>(() => api.deliveryRequest(delivery.id), [api, delivery.id]);
  return (
    <Box sx={{ py: 1, maxWidth: '100%', minWidth: 0 }} data-testid="delivery-detail">
      {/* URLs and event bodies are long unbroken tokens: they wrap on a phone instead of widening the page. */}
      <Typography variant="subtitle2" sx={{ overflowWrap: 'anywhere' }}>
        Request: POST {delivery.url ?? '(no URL)'}
      </Typography>
      <Loaded resource={request} skeletonRows={2}>
        {(r) => (
          <>
            {r.contentWithheld && (
              <Typography variant="caption" color="text.secondary">
                Fax content is withheld: your role cannot read the inbox.
              </Typography>
            )}
            <Box
              component="pre"
              tabIndex={0}
              sx={{
                bgcolor: 'grey.100',
                p: 1,
                borderRadius: 1,
                overflow: 'auto',
                fontSize: 12,
                maxHeight: 240,
                maxWidth: '100%',
                whiteSpace: 'pre-wrap',
                overflowWrap: 'anywhere',
              }}
            >
              {JSON.stringify(r.body, null, 2)}
            </Box>
          </>
        )}
      </Loaded>
      <Typography variant="subtitle2" sx={{ mt: 1 }}>
        Responses
      </Typography>
      {delivery.attempts.length === 0 && <Typography variant="body2">No attempt yet.</Typography>}
      {delivery.attempts.map((a) => (
        <Box key={a.number} sx={{ mb: 1 }}>
          <Typography variant="body2">
            #{a.number} · {dateTime(a.startedAt)} ·{' '}
            {a.statusCode ? `HTTP ${a.statusCode}` : (a.error ?? 'no answer')} · {a.latencyMs} ms
          </Typography>
          {a.responseExcerpt && (
            <Box
              component="pre"
              sx={{
                bgcolor: 'grey.100',
                p: 1,
                borderRadius: 1,
                overflow: 'auto',
                fontSize: 12,
                maxHeight: 120,
                m: 0,
                whiteSpace: 'pre-wrap',
                overflowWrap: 'anywhere',
              }}
            >
              {a.responseExcerpt}
            </Box>
          )}
        </Box>
      ))}
    </Box>
  );
}
