import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { compareLogNames, rotate } from '../../../runtime/log.ts';

describe('run log order and rotation', () => {
  test.each([
    ['linkdest-2026-11-26_03-00-00.log', 'linkdest-2026-11-26_03-00-00-1.log', -1],
    ['linkdest-2026-11-26_03-00-00-2.log', 'linkdest-2026-11-26_03-00-00-10.log', -1],
    ['linkdest-2026-11-26_03-00-00-9.log', 'linkdest-2026-11-27_03-00-00.log', -1],
    ['linkdest-2026-11-27_03-00-00.log', 'linkdest-2026-11-26_23-59-59-3.log', 1],
  ])('%s before %s: %i', (a, b, sign) => {
    expect(Math.sign(compareLogNames(a, b))).toBe(sign);
    expect(Math.sign(compareLogNames(b, a))).toBe(-sign);
  });

  test('rotation keeps the newest runs, same-second runs included, and leaves other files alone', () => {
    const dir = mkdtempSync(join(tmpdir(), 'linkdest-rotate-'));
    try {
      const names = ['linkdest-2026-11-25_03-00-00.log', 'linkdest-2026-11-26_03-00-00.log', 'linkdest-2026-11-26_03-00-00-1.log', 'linkdest-2026-11-26_03-00-00-2.log', 'notes.txt'];
      for (const n of names) writeFileSync(join(dir, n), '');
      expect(rotate(dir, 2).sort()).toEqual(['linkdest-2026-11-25_03-00-00.log', 'linkdest-2026-11-26_03-00-00.log']);
      expect(readdirSync(dir).sort()).toEqual(['linkdest-2026-11-26_03-00-00-1.log', 'linkdest-2026-11-26_03-00-00-2.log', 'notes.txt']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
