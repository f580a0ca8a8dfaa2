// `npm run faxseal -- <command>`: the operator's command line. Works on the same data directory
// as the running appliance (SQLite WAL lets both use it at once).

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { OPERATOR_ROLES, type OperatorRole } from '../admin/operator-permissions.ts';
import { operatorSubject } from '../admin/operator-sign-in.ts';
import type { CloseReport } from '../billing/billing-schema.ts';
import { configMarkdownTable, InvalidConfigError, KNOBS, loadConfig } from '../config/config.ts';
import { DomainError } from '../domain-error.ts';
import { importDidCsv } from '../numbers/did-import.ts';
import { createLogger } from '../observability/logger.ts';
import { RetentionPurger } from '../pipeline/retention-purger.ts';
import { createServices, type Services } from '../services.ts';
import { applianceRunning } from '../storage/appliance-lock.ts';
import { BackupError, createBackup, restoreBackup } from '../storage/backup.ts';
import { MIN_PASSPHRASE_LENGTH } from '../storage/backup-archive.ts';
import { migrate, openDatabase } from '../storage/database.ts';
import { MasterKeyCheckRepository } from '../storage/master-key-check-repository.ts';
import { rotateMasterKey } from '../storage/master-key-rotation.ts';
import { SealedColumnRepository } from '../storage/sealed-column-repository.ts';
import { runDoctor } from './doctor.ts';

const USAGE = `Usage: npm run faxseal -- <command> [options]

Commands:
  create-admin <username> [--role superadmin|operator|auditor]
                              create an operator; prints a one-time password and an sk_admin_ token once
  reset-admin-password <username>
                              print a new one-time password for an operator (changed at the next
                              sign-in); their sessions end
  disable-admin <username>    disable an operator: every token and session stops working at once
  import-dids <file.csv>      add DIDs to the pool (first column: US numbers; header row allowed)
  grant-credits <partnerId> <n> --reason "…"
                              add n credits (1 credit = 1 page sent; negative n takes back)
  migrate                     apply pending database migrations
  doctor                      check Node, system packages, ports, disk, data directory, addon and models
  outbox [--last-link]        list emails kept in the outbox (no SMTP relay) with their links;
                              --last-link prints only the newest verification link
  config [--markdown]         print the effective configuration (secrets hidden), or the
                              documentation table of every setting
  audit verify                walk the hash-chained audit log; exit 1 naming the first altered or
                              missing entry
  purge --now                 run the retention purge now (faxes past their purge time lose their
                              documents and OCR text; a metadata tombstone stays)
  rotate-master-key           re-seal every document, secret and sealed column under a new master
                              key, then replace keys/master.key (refused while the appliance runs;
                              resumable if interrupted)
  backup <file>               write the database (consistent online copy), every document and the
                              master key to <file>, encrypted with a passphrase; safe while running
  restore <file>              verify <file> and make it the data directory (stop the appliance
                              first); the directory it replaces is kept beside it
                              The passphrase comes from FAXSEAL_BACKUP_PASSPHRASE or
                              --passphrase-file <file> (at least ${MIN_PASSPHRASE_LENGTH} characters)
  billing close-month --month YYYY-MM
                              invoice every partner for a closed month (UTC): numbers by tier and
                              priced overage, through Stripe when connected; safe to run again
                              (nothing is billed twice); prints the report; exit 1 if a partner failed
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help') {
    process.stdout.write(USAGE);
    return command ? 0 : 2;
  }
  const config = loadConfig();
  // The CLI talks to the terminal; the log only carries warnings.
  const log = createLogger('warn');
  const withServices = async (run: (services: Services) => number | Promise<number>): Promise<number> => {
    const services = createServices(config, log);
    try {
      return await run(services);
    } finally {
      services.close();
    }
  };

  switch (command) {
    case 'create-admin': {
      const { positionals, values } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { role: { type: 'string', default: 'superadmin' } },
      });
      const username = positionals[0];
      const role = values.role as OperatorRole;
      if (!username || !(OPERATOR_ROLES as readonly string[]).includes(role))
        return usage('create-admin <username> [--role superadmin|operator|auditor]');
      return withServices((services) => {
        if (services.operators.byUsername(username)) return fail(`operator "${username}" already exists`);
        const { password, token } = services.operators.create(username, role);
        process.stdout.write(
          `operator: ${username} (${role})\none-time password: ${password}\nadmin token: ${token}\nBoth are shown once.\n`,
        );
        return 0;
      });
    }
    case 'reset-admin-password': {
      const username = rest[0];
      if (!username) return usage('reset-admin-password <username>');
      return withServices((services) => {
        const operator = services.operators.byUsername(username);
        const password = services.operators.resetPassword(username);
        if (!operator || !password) return fail(`no operator "${username}"`);
        services.sessions.revokeAll(operatorSubject(operator.id), 'password_reset');
        services.audit.record({
          actorType: 'operator',
          actorId: 'cli',
          action: 'operator.password_reset',
          targetType: 'operator',
          targetId: operator.id,
        });
        process.stdout.write(`one-time password for ${username}: ${password}\n`);
        return 0;
      });
    }
    case 'disable-admin': {
      const username = rest[0];
      if (!username) return usage('disable-admin <username>');
      return withServices((services) => {
        const operator = services.operators.byUsername(username);
        if (!operator) return fail(`no operator "${username}"`);
        if (operator.disabledAt) return fail(`operator "${username}" is already disabled`);
        services.operators.setDisabled(operator.id, true);
        const sessions = services.sessions.revokeAll(operatorSubject(operator.id), 'operator_disabled');
        services.audit.record({
          actorType: 'operator',
          actorId: 'cli',
          action: 'operator.disabled',
          targetType: 'operator',
          targetId: operator.id,
        });
        process.stdout.write(`disabled ${username}: tokens revoked, ${sessions} sessions ended\n`);
        return 0;
      });
    }
    case 'import-dids': {
      const file = rest[0];
      if (!file) return usage('import-dids <file.csv>');
      let csv: string;
      try {
        csv = readFileSync(file, 'utf8');
      } catch (err) {
        return fail(`cannot read ${file}: ${(err as Error).message}`);
      }
      return withServices((services) => {
        const result = importDidCsv(services.dids, csv, `cli:${file}`);
        process.stdout.write(`imported ${result.imported} DIDs\n`);
        for (const s of result.skipped)
          process.stdout.write(`  skipped line ${s.line} (${s.value}): ${s.reason}\n`);
        return 0;
      });
    }
    case 'grant-credits': {
      const { positionals, values } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { reason: { type: 'string' } },
      });
      const [partnerId, amountText] = positionals;
      const amount = Number(amountText);
      if (!partnerId || !Number.isInteger(amount) || amount === 0 || !values.reason)
        return usage('grant-credits <partnerId> <n> --reason "…"   (n may be negative to take credits back)');
      return withServices((services) => {
        if (!services.partners.get(partnerId)) return fail(`no partner ${partnerId}`);
        const result = services.credits.apply({
          partnerId,
          amount,
          reason: amount > 0 ? 'grant' : 'adjustment',
          note: values.reason,
          actor: 'cli',
        });
        if (!result.ok)
          return fail(`the balance is ${result.balance}; taking ${result.required} would make it negative`);
        process.stdout.write(
          `${amount > 0 ? 'granted' : 'took back'} ${Math.abs(amount)} credits; balance ${result.balance}\n`,
        );
        return 0;
      });
    }
    case 'migrate': {
      const db = openDatabase(config, { migrate: false });
      try {
        const { applied, current } = migrate(db);
        process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'nothing to apply\n');
        process.stdout.write(`schema version ${current}\n`);
        return 0;
      } finally {
        db.close();
      }
    }
    case 'doctor': {
      const checks = await runDoctor(config);
      for (const c of checks) {
        const mark = c.ok ? 'ok  ' : c.warning ? 'warn' : 'FAIL';
        process.stdout.write(`${mark}  ${c.name.padEnd(20)} ${c.detail}\n`);
      }
      return checks.some((c) => !c.ok && !c.warning) ? 1 : 0;
    }
    case 'outbox': {
      return withServices((services) => {
        const emails = services.emails.recent(20);
        if (rest.includes('--last-link')) {
          const link = emails
            .filter((e) => e.kind === 'partner_verification')
            .map((e) => e.text.match(/https?:\/\/\S+verify\?token=[\w-]+/)?.[0])
            .find(Boolean);
          if (!link) return fail('no verification email in the outbox');
          process.stdout.write(`${link}\n`);
          return 0;
        }
        for (const e of emails) {
          process.stdout.write(
            `${e.createdAt}  ${e.status.padEnd(7)} ${e.kind}  to ${e.to}\n  ${e.subject}\n`,
          );
          for (const link of e.text.match(/https?:\/\/\S+/g) ?? []) process.stdout.write(`  ${link}\n`);
        }
        return 0;
      });
    }
    case 'config': {
      if (rest.includes('--markdown')) {
        process.stdout.write(`${configMarkdownTable()}\n`);
        return 0;
      }
      for (const [name, knob] of Object.entries(KNOBS)) {
        const value = config[name as keyof typeof config];
        const shown = knob.secret ? (value ? '(set, hidden)' : '(unset)') : JSON.stringify(value);
        process.stdout.write(`${knob.env.padEnd(34)} ${shown}\n`);
      }
      return 0;
    }
    case 'audit': {
      if (rest[0] !== 'verify') return usage('audit verify');
      return withServices((services) => {
        const result = services.audit.verify();
        if (!result.ok) return fail(`audit log broken at entry ${result.seq}: ${result.reason}`);
        process.stdout.write(`audit log intact: ${result.entries} entries, head ${result.head}\n`);
        return 0;
      });
    }
    case 'purge': {
      if (rest[0] !== '--now') return usage('purge --now');
      return withServices((services) => {
        const purger = new RetentionPurger(services, log);
        const report = purger.purgeDue('cli');
        process.stdout.write(
          report.id === null
            ? 'nothing due for purge\n'
            : `purge report ${report.id}: ${report.faxIds.length} faxes purged, ${report.blobsDeleted} files deleted\n`,
        );
        return 0;
      });
    }
    case 'backup':
    case 'restore': {
      if (config.databaseUrl || config.blobUrl)
        return fail(
          `${command} covers one node's data directory (its SQLite file and blobs): with PostgreSQL or an S3 bucket, back up the database with pg_dump (or base backups with WAL archiving), the bucket with its own versioning or replication, and the master key`,
        );
      const { positionals, values } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { 'passphrase-file': { type: 'string' } },
      });
      const file = positionals[0];
      if (!file || positionals.length > 1) return usage(`${command} <file> [--passphrase-file <file>]`);
      const passphrase = values['passphrase-file']
        ? readFileSync(values['passphrase-file'], 'utf8').replace(/\r?\n$/, '')
        : config.backupPassphrase;
      if (!passphrase)
        return fail('no passphrase: set FAXSEAL_BACKUP_PASSPHRASE or pass --passphrase-file <file>');
      try {
        if (command === 'backup') {
          if (passphrase.length < MIN_PASSPHRASE_LENGTH)
            return fail(`the passphrase must have at least ${MIN_PASSPHRASE_LENGTH} characters`);
          const done = await createBackup(config.dataDir, file, passphrase, config.masterKey);
          process.stdout.write(
            `backup written: ${done.file} (${done.bytes} bytes): database at schema ${done.schemaVersion}, ${done.blobs} documents, master key\n`,
          );
          return 0;
        }
        const done = restoreBackup(file, passphrase, config.dataDir);
        process.stdout.write(
          `restored ${done.dataDir} from the backup of ${done.createdAt}: schema ${done.schemaVersion}, ${done.blobs} documents, audit log intact (${done.auditEntries} entries)\n`,
        );
        if (done.previous)
          process.stdout.write(`the data directory it replaced is kept at ${done.previous}\n`);
        if (config.masterKey)
          process.stdout.write(
            'FAXSEAL_MASTER_KEY is set: it wins over the restored keys/master.key; unset it unless it is the same key\n',
          );
        return 0;
      } catch (err) {
        if (err instanceof BackupError) return fail(`${command} failed: ${err.message}`);
        throw err;
      }
    }
    case 'rotate-master-key': {
      if (config.masterKey)
        return fail('FAXSEAL_MASTER_KEY is set: rotation writes the key file; unset it to rotate a key file');
      if (applianceRunning(config.dataDir))
        return fail(`an appliance is running on ${config.dataDir}: stop it before rotating the master key`);
      return withServices((services) => {
        const result = rotateMasterKey(
          config.dataDir,
          services.blobs.backend,
          new SealedColumnRepository(services.db),
          services.masterKey,
          new MasterKeyCheckRepository(services.db),
        );
        services.audit.record({
          actorType: 'operator',
          actorId: 'cli',
          action: 'master_key.rotated',
          details: { ...result },
        });
        process.stdout.write(
          `master key rotated: ${result.blobs} documents and ${result.secrets} sealed values (secrets, fax text, event bodies, emails) re-sealed; keys/master.key replaced\n`,
        );
        return 0;
      });
    }
    case 'billing': {
      const { positionals, values } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { month: { type: 'string' } },
      });
      if (positionals[0] !== 'close-month' || !values.month || !/^\d{4}-(0[1-9]|1[0-2])$/.test(values.month))
        return usage('billing close-month --month YYYY-MM');
      const month = values.month;
      return withServices(async (services) => {
        let report: CloseReport;
        try {
          report = await services.billing.monthClose.close(month, 'cli');
        } catch (err) {
          if (err instanceof DomainError) return fail(err.detail ?? err.title);
          throw err;
        }
        process.stdout.write(formatCloseReport(report, services.billing.stripe !== null));
        return report.failed > 0 ? 1 : 0;
      });
    }
    default:
      process.stderr.write(`unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

const cents = (amount: number, currency: string) => `${(amount / 100).toFixed(2)} ${currency.toUpperCase()}`;

/** The month-close report as the operator reads it: one line per partner, then the totals. */
function formatCloseReport(report: CloseReport, stripe: boolean): string {
  const rows = report.lines.map((l) =>
    [
      l.partnerId.padEnd(30),
      l.companyName.slice(0, 28).padEnd(28),
      l.outcome.padEnd(16),
      cents(l.amount, l.currency).padStart(14),
      `${l.numbers.personal}p/${l.numbers.business}b`.padEnd(12),
      (l.stripeInvoiceId ?? l.invoiceNumber ?? '-').padEnd(30),
      l.error ?? '',
    ].join(' '),
  );
  return [
    `month close ${report.month} (report ${report.id})${stripe ? '' : ' without Stripe: invoices are local only'}`,
    [
      'partner'.padEnd(30),
      'company'.padEnd(28),
      'outcome'.padEnd(16),
      'amount'.padStart(14),
      'numbers'.padEnd(12),
      'invoice',
    ].join(' '),
    ...rows,
    `${report.partners} partners, ${report.invoiced} invoiced, ${report.failed} failed, total ${cents(report.total.amount, report.total.currency)}, ${report.stripeCalls} Stripe calls, in ${((Date.parse(report.finishedAt) - Date.parse(report.startedAt)) / 1000).toFixed(2)} s`,
    '',
  ].join('\n');
}

function usage(line: string): number {
  process.stderr.write(`usage: npm run faxseal -- ${line}\n`);
  return 2;
}

function fail(message: string): number {
  process.stderr.write(`faxseal: ${message}\n`);
  return 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    if (err instanceof InvalidConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78);
    }
    process.stderr.write(`faxseal: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
