// Webhook URL, retention and the extraction schema (a JSON editor). The server validates the
// schema; its per-field errors are listed under the editor, pointing into the JSON.

import { Alert, AlertTitle, Box, Button, Stack, TextField, Typography } from '@mui/material';
import { type FormEvent, useEffect, useState } from 'react';
import { ApiProblem } from '../../api/client.ts';
import type { PartnerApi } from '../../api/partner-api.ts';
import type { SettingsPatch } from '../../api/types.ts';
import { asProblem, useResource } from '../../api/use-resource.ts';
import { ProblemAlert } from '../../layout/problem-alert.tsx';

const SCHEMA_POINTER = '/body/extractionSchema';
const EXAMPLE_SCHEMA = {
  patientName: { type: 'string' },
  dob: { type: 'string', description: 'Date of birth' },
};

export function Settings({ api }: { api: PartnerApi }) {
  const current = useResource(() => api.getSettings(), [api]);
  const [webhookUrl, setWebhookUrl] = useState('');
  const [retentionDays, setRetentionDays] = useState('');
  const [schemaText, setSchemaText] = useState('');
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [saved, setSaved] = useState(false);
  const [secret, setSecret] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    const s = current.data;
    if (!s) return;
    setWebhookUrl(s.webhookUrl ?? '');
    setRetentionDays(String(s.retentionDays));
    setSchemaText(s.extractionSchema ? JSON.stringify(s.extractionSchema, null, 2) : '');
  }, [current.data]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setProblem(null);
    setSaved(false);
    const patch: SettingsPatch = {
      webhookUrl: webhookUrl.trim() === '' ? null : webhookUrl.trim(),
      retentionDays: Number(retentionDays),
    };
    if (schemaText.trim() === '') patch.extractionSchema = null;
    else {
      try {
        patch.extractionSchema = JSON.parse(schemaText);
      } catch (error) {
        setProblem(
          new ApiProblem(0, 'invalid_json', 'The extraction schema is not JSON', undefined, [
            { field: SCHEMA_POINTER, message: (error as Error).message },
          ]),
        );
        return;
      }
    }
    setBusy(true);
    try {
      const updated = await api.updateSettings(patch);
      if (updated.webhookSecret) setSecret(updated.webhookSecret);
      setSaved(true);
    } catch (error) {
      setProblem(asProblem(error));
    } finally {
      setBusy(false);
    }
  };

  const fieldError = (pointer: string) => problem?.errorsUnder(pointer)[0]?.message;
  const schemaErrors = problem?.errorsUnder(SCHEMA_POINTER) ?? [];
  const caps = current.data?.retentionCaps;

  return (
    <>
      <Typography variant="h5" gutterBottom>
        Settings
      </Typography>
      <ProblemAlert problem={current.error} />
      {problem && schemaErrors.length === 0 && (
        <ProblemAlert problem={problem} onClose={() => setProblem(null)} />
      )}
      {saved && (
        <Alert severity="success" sx={{ mb: 2 }} onClose={() => setSaved(false)} data-testid="settings-saved">
          Settings saved.
        </Alert>
      )}
      {secret && (
        <Alert severity="warning" sx={{ mb: 2 }} onClose={() => setSecret(null)} data-testid="webhook-secret">
          <AlertTitle>Your webhook signing secret — shown once</AlertTitle>
          <code>{secret}</code>
        </Alert>
      )}
      <form onSubmit={submit}>
        <Stack sx={{ gap: 3, maxWidth: 760 }}>
          <TextField
            label="Webhook URL"
            name="webhookUrl"
            value={webhookUrl}
            onChange={(e) => setWebhookUrl(e.target.value)}
            error={fieldError('/body/webhookUrl') !== undefined}
            helperText={
              fieldError('/body/webhookUrl') ??
              'Where fax.received, fax.extracted and fax status events are sent.'
            }
          />
          <TextField
            label="Retention (days)"
            name="retentionDays"
            type="number"
            value={retentionDays}
            onChange={(e) => setRetentionDays(e.target.value)}
            error={fieldError('/body/retentionDays') !== undefined}
            helperText={
              fieldError('/body/retentionDays') ??
              (caps
                ? `Capped by each number's tier: personal ${caps.personal}, business ${caps.business} days.`
                : '')
            }
            sx={{ maxWidth: 240 }}
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
              placeholder={JSON.stringify(EXAMPLE_SCHEMA, null, 2)}
              error={schemaErrors.length > 0}
              helperText="Field name → {type: string | number | boolean | array | object, description?, items?, properties?}. Empty: no extraction."
              slotProps={{
                htmlInput: { spellCheck: false, style: { fontFamily: 'monospace', fontSize: 13 } },
              }}
            />
            {schemaErrors.length > 0 && (
              <Alert severity="error" sx={{ mt: 1 }} data-testid="schema-errors">
                <AlertTitle>{problem?.title}</AlertTitle>
                <ul style={{ margin: 0, paddingLeft: 20 }}>
                  {schemaErrors.map((e) => (
                    <li key={`${e.field}|${e.message}`}>
                      <code>{e.field.slice(SCHEMA_POINTER.length) || '/'}</code> {e.message}
                    </li>
                  ))}
                </ul>
              </Alert>
            )}
          </Box>
          <Box>
            <Button type="submit" variant="contained" disabled={busy || !current.data}>
              Save settings
            </Button>
          </Box>
        </Stack>
      </form>
    </>
  );
}
