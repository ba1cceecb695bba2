/**
 * Memory at fleet scale: every host's plan carries the runtime bundle (about 1.4 MB) until
 * its apply. It must be one Buffer read once, not a copy per host (200 hosts held 290 MB of
 * copies; bench/fleet found it), and its sha256 is computed once.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import type { HostSpec } from '../../../inventory/host-spec.ts';
import { loadBundle } from '../../../provision/plan.ts';
import { sha256 } from '../../../provision/resources/file.ts';

const dir = mkdtempSync(join(tmpdir(), 'linkdest-bundle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('two hosts planned in one command share the bundle Buffer, hashed once', () => {
  const path = join(dir, 'linkdest-runtime.mjs');
  writeFileSync(path, 'x'.repeat(1 << 20));
  const a = loadBundle({ name: 'marte' } as HostSpec, path);
  const b = loadBundle({ name: 'venus' } as HostSpec, path);
  expect(b).toBe(a);
  expect(sha256(a)).toBe(sha256(Buffer.from('x'.repeat(1 << 20))));
  expect(sha256(b)).toBe(sha256(a));
});

test('a bundle that is missing is one line naming the build', () => {
  expect(() => loadBundle({ name: 'marte' } as HostSpec, join(dir, 'nope.mjs'))).toThrow(/runtime bundle .*nope\.mjs not found; run `npm run build` first/);
});
