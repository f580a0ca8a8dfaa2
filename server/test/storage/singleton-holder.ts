// A stand-in node for database.test.ts: takes singleton `argv[3]` on the PostgreSQL of `argv[2]`,
// prints "held" once it runs the role, and waits to be killed.

import { openDatabase } from '../../src/storage/database.ts';

const [url, name] = process.argv.slice(2);
const db = openDatabase({ dataDir: '/nonexistent', databaseUrl: url }, { migrate: false });
db.runAsSingleton(
  name,
  { start: () => void process.stdout.write('held\n'), stop: () => {} },
  { retryMs: 100 },
);
setInterval(() => {}, 60_000);
