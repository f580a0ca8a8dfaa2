// The webhook URL, retention and extraction schema (a JSON editor whose server-side errors are listed
// in words), the test event, secret rotation, and "test this schema on a received fax".

import { Alert, AlertTitle, Box, Button, Grid, MenuItem, Stack, TextField, Typography } from '@mui/material';
import { type FormEvent, useEffect, useState } from 'react';
import { ApiProblem } from '../../../api/client.ts';
import type { PartnerApi } from '../../../api/partner-api.ts';
import type { SchemaTrial, SettingsPatch } from '../../../api/types.ts';
import { asProblem, useResource } from '../../../api/use-resource.ts';
import { describeError, fieldError } from '../../../layout/field-errors.ts';
import { dateTime, phone } from '../../../layout/format.ts';
import { ProblemAlert } from '../../../layout/problem-alert.tsx';
import { Loaded, Widget } from '../../../layout/widget.tsx';
import type { PartnerContext } from '../../../partner-console.tsx';

const SCHEMA_POINTER = '/body/extractionSchema';
const EXAMPLE_SCHEMA = {
  patientName: { type: 'string' },
  dob: { type: 'string', description: 'Date of birth' },
};

export function WebhookSettings({ api, ctx }: { api: PartnerApi; ctx: PartnerContext }) {
  const current = useResource(() => api.getSettings(), [api]);
  const [webhookUrl, setWebhookUrl] = useState('');
  const [retentionDays, setRetentionDays] = useState('');
  const [schemaText, setSchemaText] = useState('');
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [saved, setSaved] = useState(false);
  const [secret, setSecret] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [actionProblem, setActionProblem] = useState<ApiProblem | null>(null);
  const [testSent, setTestSent] = useState(false);

  useEffect(() => {
    const s = current.data;
    if (!s) return;
    setWebhookUrl(s.webhookUrl ?? '');
    setRetentionDays(String(s.retentionDays));
    setSchemaText(s.extractionSchema ? JSON.stringify(s.extractionSchema, null, 2) : '');
  }, [current.data]);

  /** The schema in the editor, or a problem that says where the JSON breaks. */
  const parsedSchema = (): { ok: true; value: unknown } | { ok: false; problem: ApiProblem } => {
    if (schemaText.trim() === '') return { ok: true, value: null };
    try {
      return { ok: true, value: JSON.parse(schemaText) };
    } catch (error) {
      return {
        ok: false,
        problem: new ApiProblem(0, 'invalid_json', 'The extraction schema is not valid JSON', undefined, [
          { field: SCHEMA_POINTER, message: `is not valid JSON: ${(error as Error).message}` },
        ]),
      };
    }
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setProblem(null);
    setSaved(false);
    const schema = parsedSchema();
    if (!schema.ok) {
      setProblem(schema.problem);
      return;
    }
    const patch: SettingsPatch = {
      webhookUrl: webhookUrl.trim() === '' ? null : webhookUrl.trim(),
      retentionDays: Number(retentionDays),
      extractionSchema: schema.value,
    };
    setBusy(true);
    try {
      const updated = await api.updateSettings(patch);
      if (updated.webhookSecret) setSecret(updated.webhookSecret);
      setSaved(true);
      // The test-event card and the secret's date follow what was saved.
      current.reload();
    } catch (error) {
      setProblem(asProblem(error));
    } finally {
      setBusy(false);
    }
  };

  const rotate = async () => {
    setActionProblem(null);
    try {
      setSecret((await api.rotateSecret()).webhookSecret);
    } catch (error) {
      setActionProblem(asProblem(error));
    }
  };
  const sendTest = async () => {
    setActionProblem(null);
    setTestSent(false);
    try {
      await api.sendTestEvent();
      setTestSent(true);
    } catch (error) {
      setActionProblem(asProblem(error));
    }
  };

  const schemaErrors = problem?.errorsUnder(SCHEMA_POINTER) ?? [];
  const otherFieldErrors = (problem?.errors ?? []).filter((e) => !e.field.startsWith(SCHEMA_POINTER));
  const caps = current.data?.retentionCaps;
  const urlError = fieldError(problem, '/body/webhookUrl');
  const retentionError = fieldError(problem, '/body/retentionDays');

  return (
    <Loaded resource={current} skeletonRows={6}>
      {() => (
        <Grid container spacing={3}>
          <Grid size={{ xs: 12, lg: 7 }}>
            {problem && schemaErrors.length === 0 && otherFieldErrors.length === 0 && (
              <ProblemAlert problem={problem} onClose={() => setProblem(null)} />
            )}
            {saved && (
              <Alert
                severity="success"
                sx={{ mb: 2 }}
                onClose={() => setSaved(false)}
                data-testid="settings-saved"
              >
                Settings saved.
              </Alert>
            )}
            {secret && (
              <Alert
                severity="warning"
                sx={{ mb: 2 }}
                onClose={() => setSecret(null)}
                data-testid="webhook-secret"
              >
                <AlertTitle>Your webhook signing secret: shown once</AlertTitle>
                <code style={{ wordBreak: 'break-all' }}>{secret}</code>
              </Alert>
            )}
            <form onSubmit={submit} noValidate>
              <Stack sx={{ gap: 3 }}>
                <TextField
                  label="Webhook URL"
                  name="webhookUrl"
                  value={webhookUrl}
                  onChange={(e) => setWebhookUrl(e.target.value)}
                  error={urlError !== undefined}
                  helperText={
                    urlError
                      ? `The webhook URL ${urlError}`
                      : 'Where fax.received, fax.extracted and fax status events go. Leave empty for none.'
                  }
                />
                <TextField
                  label="Retention (days)"
                  name="retentionDays"
                  type="number"
                  value={retentionDays}
                  onChange={(e) => setRetentionDays(e.target.value)}
                  error={retentionError !== undefined}
                  helperText={
                    retentionError
                      ? `Retention ${retentionError}`
                      : caps
                        ? `Each number's tier caps it: personal ${caps.personal}, business ${caps.business} days.`
                        : ''
                  }
                  sx={{ maxWidth: 280 }}
                />
                <Box>
                  <TextField
                    label="Extraction schema (JSON)"
                    name="extractionSchema"
                    multiline
                    minRows={10}
                    fullWidth
                    value={schemaText}
                    onChange={(e) => setSchemaText(e.target.value)}
                    error={schemaErrors.length > 0}
                    placeholder={JSON.stringify(EXAMPLE_SCHEMA, null, 2)}
                    slotProps={{
                      htmlInput: { spellCheck: false, style: { fontFamily: 'monospace', fontSize: 13 } },
                    }}
                    helperText="Field name → {type: string | number | boolean | array | object, description?}. Empty: no extraction."
                  />
                  {schemaErrors.length > 0 && (
                    <Alert severity="error" sx={{ mt: 1 }} data-testid="schema-errors">
                      <AlertTitle>The schema needs changes</AlertTitle>
                      <ul style={{ margin: 0, paddingLeft: 20 }}>
                        {schemaErrors.map((e) => (
                          <li key={`${e.field}|${e.message}`}>
                            <code>{e.field.slice(SCHEMA_POINTER.length) || '(the schema)'}</code>{' '}
                            {describeError({ ...e, field: '' })}
                          </li>
                        ))}
                      </ul>
                    </Alert>
                  )}
                </Box>
                <Box>
                  <Button type="submit" variant="contained" disabled={busy}>
                    Save settings
                  </Button>
                </Box>
              </Stack>
            </form>
          </Grid>
          <Grid size={{ xs: 12, lg: 5 }}>
            <Stack sx={{ gap: 2 }}>
              <ProblemAlert problem={actionProblem} onClose={() => setActionProblem(null)} />
              <Widget title="Check your endpoint" resource={current}>
                {(s) => (
                  <Stack sx={{ gap: 1 }}>
                    <Typography variant="body2">
                      Send a signed <code>webhook.test</code> event to{' '}
                      {s.webhookUrl ?? 'your webhook (set one first)'}.
                    </Typography>
                    {testSent && (
                      <Alert severity="info" data-testid="test-sent">
                        Sent: see Deliveries for the answer.
                      </Alert>
                    )}
                    <Stack direction="row" sx={{ gap: 1, flexWrap: 'wrap' }}>
                      <Button variant="outlined" onClick={() => void sendTest()} disabled={!s.webhookUrl}>
                        Send a test event
                      </Button>
                      <Button
                        variant="outlined"
                        onClick={() => void rotate()}
                        disabled={!s.webhookSecretConfigured}
                      >
                        Rotate the signing secret
                      </Button>
                    </Stack>
                    <Typography variant="caption" color="text.secondary">
                      After a rotation the old secret keeps signing for 24 hours. Last change:{' '}
                      {dateTime(s.updatedAt)}
                    </Typography>
                  </Stack>
                )}
              </Widget>
              {ctx.may.has('inbox:read') && <SchemaTrialCard api={api} parsed={parsedSchema} />}
            </Stack>
          </Grid>
        </Grid>
      )}
    </Loaded>
  );
}

function SchemaTrialCard({
  api,
  parsed,
}: {
  api: PartnerApi;
  parsed: () => { ok: true; value: unknown } | { ok: false; problem: ApiProblem };
}) {
  const faxes = useResource(() => api.inbox({ limit: 20 }), [api]);
  const [faxId, setFaxId] = useState('');
  const [result, setResult] = useState<SchemaTrial | null>(null);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [busy, setBusy] = useState(false);
  const readable = (faxes.data?.items ?? []).filter((f) => f.ocrStatus === 'done' && !f.purgedAt);

  const run = async () => {
    setProblem(null);
    setResult(null);
    const schema = parsed();
    if (!schema.ok) return setProblem(schema.problem);
    setBusy(true);
    try {
      // The fax the select shows: the newest readable one until another is picked.
      setResult(await api.trySchema(faxId || readable[0]?.id || '', schema.value));
    } catch (error) {
      setProblem(asProblem(error));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Widget
      title="Test this schema on a received fax"
      resource={faxes}
      isEmpty={() => readable.length === 0}
      empty={
        <Typography variant="body2">
          Once a fax has arrived and its text is read, try the schema in the editor on it here.
        </Typography>
      }
    >
      {() => (
        <Stack sx={{ gap: 1 }}>
          <TextField
            select
            size="small"
            label="Fax"
            value={faxId || readable[0]?.id || ''}
            onChange={(e) => setFaxId(e.target.value)}
          >
            {readable.map((f) => (
              <MenuItem key={f.id} value={f.id}>
                {phone(f.from)} · {dateTime(f.createdAt)}
              </MenuItem>
            ))}
          </TextField>
          <Box>
            <Button variant="outlined" onClick={() => void run()} disabled={busy}>
              Try the schema
            </Button>
          </Box>
          {problem && <ProblemAlert problem={problem} onClose={() => setProblem(null)} />}
          {result && (
            <Box data-testid="trial-result">
              <Typography variant="caption" color="text.secondary">
                {result.provider} · {result.ms} ms · nothing saved, no webhook sent
              </Typography>
              <Box
                component="pre"
                sx={{
                  bgcolor: 'grey.100',
                  p: 1,
                  borderRadius: 1,
                  overflow: 'auto',
                  fontSize: 13,
                  maxHeight: 320,
                }}
              >
                {JSON.stringify(result.extractedData, null, 2)}
              </Box>
            </Box>
          )}
        </Stack>
      )}
    </Widget>
  );
}
