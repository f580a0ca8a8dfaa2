// `npm run docs:config`: rewrites the configuration table in README.md from the config schema, so
// every knob is documented once (in server/src/config/config.ts) and the README cannot drift.

import { readFileSync, writeFileSync } from 'node:fs';
import { configMarkdownTable } from '../server/src/config/config.ts';

const readme = readFileSync('README.md', 'utf8');
if (!readme.includes('<!-- config:start -->')) throw new Error('README.md has no config markers');
const table = configMarkdownTable();
writeFileSync(
  'README.md',
  readme.replace(
    /<!-- config:start -->[\s\S]*<!-- config:end -->/,
    `<!-- config:start -->\n${table}\n<!-- config:end -->`,
  ),
);
console.log(`README.md: ${table.split('\n').length - 2} settings`);
