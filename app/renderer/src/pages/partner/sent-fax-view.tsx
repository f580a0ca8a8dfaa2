// One sent fax: its timeline (queued, each attempt, pages confirmed), the failure in plain words with
// what to do, the first page, the transmission report, and cancel while it waits.

import {
  Alert,
  AlertTitle,
  Box,
  Button,
  Grid,
  List,
  ListItem,
  ListItemText,
  Paper,
  Typography,
} from '@mui/material';
import { useState } from 'react';
import type { ApiProblem } from '../../api/client.ts';
import type { PartnerApi } from '../../api/partner-api.ts';
import type { TimelineEntry } from '../../api/types.ts';
import { asProblem, useResource } from '../../api/use-resource.ts';
import { BlobImage } from '../../layout/blob-image.tsx';
import { dateTime, phone } from '../../layout/format.ts';
import { Page } from '../../layout/page.tsx';
import { ProblemAlert } from '../../layout/problem-alert.tsx';
import { Loaded, Widget } from '../../layout/widget.tsx';
import { Link } from '../../routing/router.tsx';
import { StatusChip } from './sent-faxes.tsx';

export function SentFaxView({ api, faxId }: { api: PartnerApi; faxId: string }) {
  const fax = useResource(() => api.sentFax(faxId), [api, faxId], { refreshMs: 4000 });
  const timeline = useResource(
    () => api.sentFaxTimeline(faxId),
    [api, faxId, fax.data?.status, fax.data?.attempts],
  );
  const [problem, setProblem] = useState<ApiProblem | null>(null);

  const openReport = async () => {
    try {
      const blob = await api.sentFaxReport(faxId);
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = `transmission-report-${faxId}.pdf`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (error) {
      setProblem(asProblem(error));
    }
  };
  const cancel = async () => {
    try {
      await api.cancelFax(faxId);
      fax.reload();
    } catch (error) {
      setProblem(asProblem(error));
    }
  };

  return (
    <Loaded resource={fax} skeletonRows={6}>
      {(f) => (
        <Page
          title={`Fax to ${phone(f.to)}`}
          subtitle={`From ${f.externalUserId} (${phone(f.from)}) · ${dateTime(f.createdAt)}`}
          actions={
            <>
              <Button component={Link} href="/partner/sent">
                Back to sent faxes
              </Button>
              <Button variant="contained" onClick={() => void openReport()}>
                Transmission report
              </Button>
              {f.status === 'queued' && (
                <Button color="error" variant="outlined" onClick={() => void cancel()}>
                  Cancel fax
                </Button>
              )}
            </>
          }
        >
          <ProblemAlert problem={problem} onClose={() => setProblem(null)} />
          <Box sx={{ mb: 2 }}>
            <StatusChip fax={f} />{' '}
            <Typography component="span" variant="body2">
              {f.pagesDelivered} of {f.pages} pages confirmed · {f.attempts} attempt
              {f.attempts === 1 ? '' : 's'}
            </Typography>
          </Box>
          {timeline.data?.failure && (
            <Alert
              severity={f.status === 'failed' ? 'error' : 'warning'}
              sx={{ mb: 2 }}
              data-testid="failure-advice"
            >
              <AlertTitle>{timeline.data.failure.summary}</AlertTitle>
              {timeline.data.failure.whatToDo}
            </Alert>
          )}
          <Grid container spacing={2}>
            <Grid size={{ xs: 12, md: 7 }}>
              <Widget title="Timeline" resource={timeline}>
                {(t) => (
                  <List dense data-testid="timeline">
                    {t.entries.map((e, i) => (
                      // biome-ignore lint/suspicious/noArrayIndexKey: entries are in time order and never reorder.
                      <ListItem key={i} disableGutters>
                        <ListItemText primary={stepText(e)} secondary={dateTime(e.at)} />
                      </ListItem>
                    ))}
                    {t.remoteStationId && (
                      <ListItem disableGutters>
                        <ListItemText
                          primary={`Receiving station: ${t.remoteStationId}`}
                          secondary={[
                            t.transport === 't38' ? 'T.38' : t.transport === 'audio' ? 'G.711 audio' : null,
                            t.bitRate ? `${t.bitRate} bit/s` : null,
                          ]
                            .filter(Boolean)
                            .join(' · ')}
                        />
                      </ListItem>
                    )}
                  </List>
                )}
              </Widget>
            </Grid>
            <Grid size={{ xs: 12, md: 5 }}>
              <Paper variant="outlined" sx={{ p: 1 }}>
                <Typography variant="subtitle2" component="h2" gutterBottom>
                  First page
                </Typography>
                {f.pages > 0 ? (
                  <BlobImage
                    load={() => api.sentPageImage(faxId, 1, 500)}
                    alt="First page of the fax"
                    aspect={1.29}
                  />
                ) : (
                  <Typography variant="body2" color="text.secondary">
                    The document is still being prepared.
                  </Typography>
                )}
              </Paper>
            </Grid>
          </Grid>
        </Page>
      )}
    </Loaded>
  );
}

function stepText(e: TimelineEntry): string {
  switch (e.step) {
    case 'queued':
      return 'Queued';
    case 'sending':
      return `Attempt ${e.attempt ?? ''}: calling`;
    case 'delivered':
      return `Delivered: ${e.pagesDelivered ?? 0} pages confirmed`;
    case 'failed':
      return `Failed (${e.detail ?? 'error'}): ${e.pagesDelivered ?? 0} pages confirmed`;
    case 'retry_scheduled':
      return `Next attempt (${e.attempt}) after ${e.detail ?? 'a failure'}`;
  }
}
