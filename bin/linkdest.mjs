#!/usr/bin/env node
// Thin launcher: the CLI is bundled to dist/ by `npm ci` (prepare) or `npm run build`.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../dist/linkdest.mjs', import.meta.url));
if (!existsSync(cli)) {
  console.error('linkdest: dist/linkdest.mjs is missing; run `npm run build` in the linkdest checkout');
  process.exit(1);
}
await import(cli);
