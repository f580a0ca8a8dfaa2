// crash-recovery.test.ts again with the appliance's children on PostgreSQL (a fresh database).

process.env.TEST_DATABASE_ENGINE = 'postgres';
await import('../webhooks/crash-recovery.test.ts');
