// sip-end-to-end.test.ts again with every test appliance on PostgreSQL (a fresh database each).

process.env.TEST_DATABASE_ENGINE = 'postgres';
await import('../pipeline/sip-end-to-end.test.ts');
