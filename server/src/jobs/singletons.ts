// The work one node of a cluster does at a time: booking and running the month close and the
// retention purge, and trunk registration with its keepalive. Each is a db.runAsSingleton role (a
// PostgreSQL advisory lock; on SQLite always this node's), so it moves when its holder dies.

import type { Logger } from 'pino';
import type { Db, SingletonRole } from '../storage/database.ts';
import type { DatabaseJobQueue } from './job-queue.ts';

export interface SingletonWork {
  name: string;
  role: SingletonRole;
}

/**
 * A periodic job kind as a singleton: only the holder claims it, and on taking the role it books
 * the current run (each run books the next). A run the dead holder had claimed comes back when its
 * lease ends; the new holder then takes it.
 */
export function singletonJob(jobs: DatabaseJobQueue, kind: string, book: () => void): SingletonWork {
  jobs.pause(kind);
  return {
    name: kind,
    role: {
      start() {
        book();
        jobs.resume(kind);
      },
      stop: () => jobs.pause(kind),
    },
  };
}

/** Starts competing for every role; `held()` names the ones this node runs now (for /healthz). */
export interface RunningSingletons {
  held(): string[];
  stop(): Promise<void>;
}

export function runSingletons(db: Db, work: SingletonWork[], log: Logger): RunningSingletons {
  const singletons = work.map(({ name, role }) =>
    db.runAsSingleton(name, {
      async start() {
        log.info({ singleton: name }, 'this node took a singleton role');
        await role.start();
      },
      async stop() {
        log.info({ singleton: name }, 'this node gave a singleton role up');
        await role.stop();
      },
    }),
  );
  return {
    held: () => singletons.filter((s) => s.held).map((s) => s.name),
    async stop() {
      await Promise.all(singletons.map((s) => s.stop()));
    },
  };
}
