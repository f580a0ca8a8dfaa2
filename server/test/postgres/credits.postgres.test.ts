// credits.test.ts again with every test appliance on PostgreSQL (a fresh database each).

process.env.TEST_DATABASE_ENGINE = 'postgres';
await import('../credits/credits.test.ts');
