// audit-and-blobs.test.ts again on PostgreSQL (a fresh database per test).

process.env.TEST_DATABASE_ENGINE = 'postgres';
await import('../audit/audit-and-blobs.test.ts');
