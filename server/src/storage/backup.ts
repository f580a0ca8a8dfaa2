// `faxseal backup` and `faxseal restore`: the database (an online, consistent SQLite backup, safe
// while the appliance runs), every sealed blob and the master key, in one passphrase-encrypted
// archive (backup-archive.ts). Restore unpacks into a new directory beside the target, checks it
// (checksums, SQLite integrity, the key opens the documents, the audit chain) and only then puts it
// in place; the directory it replaces is kept aside, never deleted.

import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { AuditLog } from '../audit/audit-log.ts';
import { AuditRepository } from '../audit/audit-repository.ts';
import { systemClock } from '../clock.ts';
import { applianceRunning } from './appliance-lock.ts';
import { BackupError, BackupWriter, type ManifestFile, readBackup } from './backup-archive.ts';
import { schemaVersion, sqliteDb } from './database.ts';
import { MasterKey } from './master-key.ts';
import { spoolDir } from './spool.ts';

export { BackupError } from './backup-archive.ts';

const DB_NAME = 'faxseal.db';
const KEY_NAME = 'keys/master.key';

export interface BackupSummary {
  file: string;
  bytes: number;
  schemaVersion: number;
  blobs: number;
  files: ManifestFile[];
}

export interface RestoreSummary {
  dataDir: string;
  /** Where the data directory that was there before now is (null when there was none). */
  previous: string | null;
  createdAt: string;
  schemaVersion: number;
  blobs: number;
  auditEntries: number;
}

/**
 * Writes the backup of `dataDir` to `file` (which must not exist). `masterKeyFromEnv` is
 * FAXSEAL_MASTER_KEY when set (the data is sealed with it), else the key file is taken.
 */
export async function createBackup(
  dataDir: string,
  file: string,
  passphrase: string,
  masterKeyFromEnv: string | null,
): Promise<BackupSummary> {
  const dbFile = path.join(dataDir, DB_NAME);
  if (!existsSync(dbFile)) throw new BackupError('invalid', `no FaxSeal database in ${dataDir}`);
  if (existsSync(file)) throw new BackupError('invalid', `${file} already exists; choose a new file name`);
  const masterKey = masterKeyFromEnv ?? readFileSync(path.join(dataDir, KEY_NAME), 'utf8').trim();
  // The snapshot first, then the blobs: every blob it names exists already (blobs are written before
  // their rows); blobs written later are not named and restore's start-up sweep removes them. The
  // snapshot is fax content in the clear: it lives in the spool (0700, swept at start) meanwhile.
  const snapshot = path.join(spoolDir(dataDir), `backup-${randomBytes(6).toString('hex')}.db`);
  mkdirSync(spoolDir(dataDir), { recursive: true, mode: 0o700 });
  closeSync(openSync(snapshot, 'wx', 0o600));
  const source = new Database(dbFile, { fileMustExist: true });
  let version: number;
  try {
    await source.backup(snapshot);
    version = schemaVersion(sqliteDb(source));
  } catch (err) {
    rmSync(snapshot, { force: true });
    throw err;
  } finally {
    source.close();
  }
  const writer = new BackupWriter(file, passphrase);
  try {
    addFromDisk(writer, DB_NAME, snapshot);
    const key = Buffer.from(`${masterKey}\n`);
    writer.addFile(KEY_NAME, key.length, (into, position) => key.copy(into, 0, position));
    let blobs = 0;
    const root = path.join(dataDir, 'blobs');
    for (const shard of existsSync(root) ? readdirSync(root).sort() : []) {
      for (const name of readdirSync(path.join(root, shard)).sort()) {
        if (!name.endsWith('.bin')) continue; // a write in progress
        // Purged (deleted) since the snapshot: its fax is past retention and restore purges it again.
        if (!addFromDisk(writer, `blobs/${shard}/${name}`, path.join(root, shard, name))) continue;
        blobs++;
      }
    }
    const files = writer.finish({
      format: 'faxseal-backup',
      createdAt: new Date().toISOString(),
      schemaVersion: version,
      blobs,
    });
    return { file, bytes: statSync(file).size, schemaVersion: version, blobs, files };
  } catch (err) {
    writer.abort();
    rmSync(file, { force: true });
    throw err;
  } finally {
    rmSync(snapshot, { force: true });
  }
}

/** Streams one file into the archive; false when it vanished before it could be opened. */
function addFromDisk(writer: BackupWriter, name: string, file: string): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
  try {
    writer.addFile(name, fstatSync(fd).size, (into, position) =>
      readSync(fd, into, 0, into.length, position),
    );
  } finally {
    closeSync(fd);
  }
  return true;
}

/**
 * Restores `file` as `dataDir`. Refused while an appliance runs on `dataDir`; nothing there is
 * touched until the unpacked copy has passed every check.
 */
export function restoreBackup(file: string, passphrase: string, dataDir: string): RestoreSummary {
  const target = path.resolve(dataDir);
  if (applianceRunning(target))
    throw new BackupError('invalid', `an appliance is running on ${target}: stop it before restoring`);
  if (!existsSync(file)) throw new BackupError('invalid', `no such file: ${file}`);
  const staging = `${target}.restoring-${randomBytes(4).toString('hex')}`;
  mkdirSync(staging, { recursive: true, mode: 0o700 });
  try {
    const manifest = readBackup(file, passphrase, (name, size) => openEntry(staging, name, size));
    const checked = verifyRestored(staging);
    const previous = existsSync(target) && readdirSync(target).length > 0 ? asideName(target) : null;
    if (previous) renameSync(target, previous);
    else rmSync(target, { recursive: true, force: true });
    renameSync(staging, target);
    return {
      dataDir: target,
      previous,
      createdAt: String(manifest.createdAt),
      schemaVersion: Number(manifest.schemaVersion),
      blobs: Number(manifest.blobs),
      auditEntries: checked.auditEntries,
    };
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    throw err;
  }
}

/** A file of the archive written into `staging`: only names this format produces are accepted. */
function openEntry(staging: string, name: string, size: number): { write(b: Buffer): void; close(): void } {
  const allowed =
    name === DB_NAME || name === KEY_NAME || /^blobs\/[0-9a-f]{2}\/[a-z]{2,8}_[0-9a-f]{32}\.bin$/.test(name);
  if (!allowed)
    throw new BackupError('invalid', `the backup holds an unexpected file: ${JSON.stringify(name)}`);
  const dest = path.join(staging, name);
  mkdirSync(path.dirname(dest), { recursive: true, mode: 0o700 });
  const fd = openSync(dest, 'wx', 0o600);
  let written = 0;
  return {
    write(bytes) {
      writeSync(fd, bytes);
      written += bytes.length;
    },
    close() {
      closeSync(fd);
      if (written !== size) throw new BackupError('corrupted', `${name} is incomplete in the backup`);
    },
  };
}

/** The unpacked directory is a sound appliance: the database, its documents under its key, its audit log. */
function verifyRestored(staging: string): { auditEntries: number } {
  for (const needed of [DB_NAME, KEY_NAME])
    if (!existsSync(path.join(staging, needed)))
      throw new BackupError('invalid', `the backup has no ${needed}`);
  const key = MasterKey.load(staging, readFileSync(path.join(staging, KEY_NAME), 'utf8').trim());
  const db = new Database(path.join(staging, DB_NAME), { fileMustExist: true });
  try {
    const integrity = db.pragma('integrity_check', { simple: true });
    if (integrity !== 'ok')
      throw new BackupError('invalid', `the database fails its integrity check: ${integrity}`);
    const audit = new AuditLog(new AuditRepository(sqliteDb(db)), systemClock).verify();
    if (!audit.ok)
      throw new BackupError(
        'invalid',
        `the audit log in the backup is broken at entry ${audit.seq}: ${audit.reason}`,
      );
    // The key belongs to the documents: every blob opens under it.
    const root = path.join(staging, 'blobs');
    for (const shard of existsSync(root) ? readdirSync(root) : []) {
      for (const name of readdirSync(path.join(root, shard))) {
        try {
          key.open(readFileSync(path.join(root, shard, name)), `blob:${name.slice(0, -4)}`);
        } catch {
          throw new BackupError('invalid', `the master key in the backup does not open ${name}`);
        }
      }
    }
    return { auditEntries: audit.entries };
  } finally {
    db.close();
    // The integrity check may leave WAL files; the appliance opens the database afresh.
    for (const suffix of ['-wal', '-shm']) rmSync(path.join(staging, DB_NAME + suffix), { force: true });
  }
}

function asideName(target: string): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return `${target}.before-restore-${stamp}`;
}
