/**
 * The synthetic tree of the snapshot benchmarks: 250 x 8 directories of files from 200 B to
 * 34 KiB (or 200 B to 2 KB for a million files), and the change set of an "incremental night": 1 % changed, 0.5 % deleted, 0.5 % added.
 */
import { appendFileSync, mkdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

let seed = 42;
const rand = (): number => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed / 2 ** 31; };
const sizes = [200, 2_000, 8_000, 16_000, 34_000];

/** `small`: files of 200 B and 2 KB only, so a million of them fit a loop filesystem (BENCH_FILES=1000000). */
export function generate(src: string, count: number, small = false): string[] {
  const pool = small ? sizes.slice(0, 2) : sizes;
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const dir = join(src, `d${String(i % 250).padStart(3, '0')}`, `s${Math.floor(i / 250) % 8}`);
    if (i < 2000) mkdirSync(dir, { recursive: true });
    const f = join(dir, `f${i}`);
    writeFileSync(f, Buffer.alloc(pool[Math.floor(rand() * pool.length)]!, i % 251));
    files.push(f);
  }
  return files;
}

export function mutate(files: string[]): void {
  const n = files.length;
  const pick = [...files].sort(() => rand() - 0.5);
  for (const f of pick.slice(0, n / 100)) appendFileSync(f, 'changed');
  for (const f of pick.slice(n / 100, n / 100 + n / 200)) unlinkSync(f);
  for (const f of pick.slice(n / 50, n / 50 + n / 200)) writeFileSync(`${f}.new`, 'added\n'.repeat(500));
}

export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
