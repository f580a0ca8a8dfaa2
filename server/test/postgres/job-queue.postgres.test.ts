// job-queue.test.ts again on PostgreSQL (a fresh database per test).

process.env.TEST_DATABASE_ENGINE = 'postgres';
await import('../jobs/job-queue.test.ts');
