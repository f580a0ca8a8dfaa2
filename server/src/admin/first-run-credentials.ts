// The operator account created on the very first start: its admin token and one-time password go
// to a file only the appliance's user can read, never to stdout, which is the log stream.

import { closeSync, fchmodSync, openSync, readFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { NewOperatorCredentials } from './operator-repository.ts';

export const FIRST_RUN_CREDENTIALS_FILE = 'first-run-admin.txt';

/** Writes the credentials to `<dataDir>/first-run-admin.txt` (mode 0600); returns its path. */
export function writeFirstRunCredentials(
  dataDir: string,
  { operator, token, password }: NewOperatorCredentials,
): string {
  const file = path.resolve(dataDir, FIRST_RUN_CREDENTIALS_FILE);
  // An older file (from a first start whose database was since deleted) holds dead credentials.
  const fd = openSync(file, 'w', 0o600);
  try {
    fchmodSync(fd, 0o600); // the mode above applies only to a file this call creates
    writeSync(
      fd,
      [
        'FaxSeal first start: an operator account was created.',
        `username: ${operator.username}`,
        `admin token: ${token}`,
        '  (sign in to the console at /admin, or use it as the Bearer token of /api/admin)',
        `one-time password: ${password}`,
        '  (for password sign-in; you choose a new one at first sign-in)',
        'Delete this file once you have them. Lost them? npm run faxseal -- reset-admin-password admin',
        '',
      ].join('\n'),
    );
  } finally {
    closeSync(fd);
  }
  return file;
}

/** The admin token from a first start's credentials file, for tools that start an appliance themselves. */
export function readFirstRunAdminToken(dataDir: string): string {
  const file = path.resolve(dataDir, FIRST_RUN_CREDENTIALS_FILE);
  const token = /^admin token: (\S+)$/m.exec(readFileSync(file, 'utf8'))?.[1];
  if (!token) throw new Error(`${file} holds no admin token`);
  return token;
}
