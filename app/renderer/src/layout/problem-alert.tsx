// Shows an API problem in words: its title and detail, each offending field in plain language, and
// a Retry button when the caller can try again (a widget that failed to load).

import { Alert, AlertTitle, Button } from '@mui/material';
import type { ApiProblem } from '../api/client.ts';
import { describeError } from './field-errors.ts';

export interface ProblemAlertProps {
  problem: ApiProblem | null;
  onClose?: () => void;
  onRetry?: () => void;
}

export function ProblemAlert({ problem, onClose, onRetry }: ProblemAlertProps) {
  if (!problem) return null;
  const action = onRetry ? (
    <Button color="inherit" size="small" onClick={onRetry}>
      Retry
    </Button>
  ) : undefined;
  return (
    <Alert
      severity="error"
      onClose={action ? undefined : onClose}
      action={action}
      data-testid="problem"
      sx={{ mb: 2 }}
    >
      <AlertTitle>{titleOf(problem)}</AlertTitle>
      {problem.errors.length > 0 ? (
        <ul style={{ margin: 0, paddingLeft: 20 }}>
          {problem.errors.map((e) => (
            <li key={`${e.field}|${e.message}`}>{describeError(e)}</li>
          ))}
        </ul>
      ) : (
        problem.detail
      )}
    </Alert>
  );
}

function titleOf(problem: ApiProblem): string {
  if (problem.code === 'network_error') return 'The appliance did not answer';
  if (problem.code === 'forbidden') return 'Your role does not allow this';
  if (problem.code === 'route_not_found') return 'This appliance does not offer this yet';
  return problem.title;
}
