// The spool: plain files that live only while a call or a job uses them (the page being received,
// the TIFF being sent, page images being decoded for OCR). Whatever is there at start-up belongs to
// a process that died: it is fax content in the clear, and it goes.

import { chmodSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';

export const spoolDir = (dataDir: string): string => path.join(dataDir, 'spool');

/** Empties the spool (mode 0700); returns how many entries were left in it. */
export function sweepSpool(dataDir: string): number {
  const dir = spoolDir(dataDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const left = readdirSync(dir);
  for (const name of left) rmSync(path.join(dir, name), { recursive: true, force: true });
  return left.length;
}
