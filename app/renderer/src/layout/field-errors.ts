// The server's field errors in words a person reads: "must match pattern "^[\x21-\x7e]+$"" becomes
// "may only use letters, digits and punctuation, without spaces". Messages the server already
// writes for people (ours) pass through unchanged.

import type { ApiProblem, FieldError } from '../api/client.ts';

/** Known patterns of our schemas, by the field they validate. */
const PATTERN_WORDS: Record<string, string> = {
  externalUserId: 'may only use letters, digits and punctuation, without spaces',
  areaCode: 'must be three digits, like 212',
  month: 'must be a month like 2026-03',
  name: 'may only use letters, digits, spaces, dots and dashes',
  host: 'must be a host name or IP address',
  id: 'is not a valid id',
  to: 'must be a number in international form, like +12125550123',
  from: 'must be a number in international form, like +12125550123',
};

const FIELD_NAMES: Record<string, string> = {
  externalUserId: 'User id',
  areaCode: 'Area code',
  webhookUrl: 'Webhook URL',
  retentionDays: 'Retention',
  extractionSchema: 'Extraction schema',
  to: 'Fax number',
  file: 'Document',
  email: 'Email',
  password: 'Password',
  amount: 'Amount',
  rateLimitPerMinute: 'Rate limit',
};

/** The last name in a JSON pointer: `/body/extractionSchema/dob/type` → `type`. */
export function fieldName(pointer: string): string {
  const parts = pointer.split('/').filter(Boolean);
  return parts[parts.length - 1] ?? '';
}

/** Ajv's messages, each turned into words a person reads (never the raw pattern). */
const RULES: [RegExp, (match: RegExpExecArray, field: string) => string][] = [
  [/^must match pattern/, (_, field) => PATTERN_WORDS[field] ?? 'has characters that are not allowed here'],
  [/^must NOT have more than (\d+) characters/, (m) => `is too long: at most ${m[1]} characters`],
  [
    /^must NOT have fewer than (\d+) characters/,
    (m) => (m[1] === '1' ? 'is required' : `is too short: at least ${m[1]} characters`),
  ],
  [/^must be <= (\d+)/, (m) => `must be at most ${m[1]}`],
  [/^must be >= (\d+)/, (m) => `must be at least ${m[1]}`],
  [/^must be integer/, () => 'must be a whole number'],
  [/^must be number/, () => 'must be a number'],
  [/^must be equal to one of the allowed values/, () => 'is not one of the choices'],
  [/^must have required property '(\w+)'/, (m) => `${FIELD_NAMES[m[1]] ?? m[1]} is required`],
  [/^must NOT have additional properties/, () => 'has a field that is not allowed'],
  [
    /^must match format "(\w[\w-]*)"/,
    (m) => (m[1] === 'email' ? 'must be an email address' : `must be a valid ${m[1]}`),
  ],
  [/^must be string/, () => 'must be text'],
];

export function plainMessage(error: FieldError): string {
  const field = fieldName(error.field);
  for (const [pattern, words] of RULES) {
    const match = pattern.exec(error.message);
    if (match) return words(match, field);
  }
  return error.message;
}

/** The first error for a field, in plain words (for a text field's helper text). */
export function fieldError(problem: ApiProblem | null, pointer: string): string | undefined {
  const error = problem?.errorsUnder(pointer)[0];
  return error ? plainMessage(error) : undefined;
}

/** "Webhook URL must be …" for a list of errors under the form. */
export function describeError(error: FieldError): string {
  const name = fieldName(error.field);
  const label = FIELD_NAMES[name];
  const message = plainMessage(error);
  return label && !message.startsWith(label) ? `${label} ${message}` : message;
}
