// cli.test.ts again with the CLI's database on PostgreSQL (a fresh database).

process.env.TEST_DATABASE_ENGINE = 'postgres';
await import('../cli/cli.test.ts');
