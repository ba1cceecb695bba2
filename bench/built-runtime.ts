/**
 * The runtime bundle as a host runs it: built from this checkout, copied into a fresh work
 * directory of the bench's own (so a rebuild during the rounds cannot change what is timed).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function builtRuntime(prefix: string): { work: string; bundle: string } {
  const root = join(import.meta.dirname, '..');
  execFileSync(process.execPath, [join(root, 'scripts/build.mjs')], { cwd: root, stdio: 'ignore' });
  const work = mkdtempSync(join(tmpdir(), prefix));
  const bundle = join(work, 'linkdest-runtime.mjs');
  writeFileSync(bundle, readFileSync(join(root, 'dist/linkdest-runtime.mjs')));
  return { work, bundle };
}
