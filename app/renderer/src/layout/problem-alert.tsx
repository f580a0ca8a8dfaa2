// Shows an API problem: its title and detail, and each offending field when the server listed them.

import { Alert, AlertTitle } from '@mui/material';
import type { ApiProblem } from '../api/client.ts';

export function ProblemAlert({ problem, onClose }: { problem: ApiProblem | null; onClose?: () => void }) {
  if (!problem) return null;
  return (
    <Alert severity="error" onClose={onClose} data-testid="problem" sx={{ mb: 2 }}>
      <AlertTitle>
        {problem.title} <code>({problem.code})</code>
      </AlertTitle>
      {problem.errors.length > 0 ? (
        <ul style={{ margin: 0, paddingLeft: 20 }}>
          {problem.errors.map((e) => (
            <li key={`${e.field}|${e.message}`}>
              <code>{e.field}</code> {e.message}
            </li>
          ))}
        </ul>
      ) : (
        problem.detail
      )}
    </Alert>
  );
}
