/**
 * The manifest's gzip file in members (runtime/manifest/gzip-members.ts): whatever mix of
 * text, members compressed ahead and small stored members a run writes, gunzip must read
 * back exactly the text in its order, and so must zcat, what an admin would use.
 */
import { afterEach, expect, test } from 'vitest';
import fc from 'fast-check';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { gunzipSync, gzipSync } from 'node:zlib';
import { crc32, crc32InJs, GzipMembers, storedMember } from '../../../runtime/manifest/gzip-members.ts';

let dir: string | undefined;
afterEach(() => { if (dir) rmSync(dir, { recursive: true, force: true }); dir = undefined; });

const line = fc.stringMatching(/^[ -~éü€]{0,120}$/).map((s) => `${s}\n`);
// A piece is text added as it comes, or a run compressed ahead; sizes around the 2 KiB stored limit and 256 KiB block.
const piece = fc.record({ packed: fc.boolean(), lines: fc.array(line, { maxLength: 40 }), repeat: fc.constantFrom(1, 1, 1, 30, 3000) });

test('any sequence of added text and members compressed ahead reads back as the same text, in order', async () => {
  await fc.assert(fc.asyncProperty(fc.array(piece, { maxLength: 12 }), async (pieces) => {
    dir ??= mkdtempSync(join(tmpdir(), 'linkdest-gzm-'));
    const file = join(dir, 'm.gz');
    const out = await GzipMembers.create(file);
    let expected = '';
    for (const p of pieces) {
      const text = p.lines.join('').repeat(p.repeat);
      expected += text;
      if (p.packed && text !== '') out.addPacked(gzipSync(text, { level: 1 }));
      else { const w = out.add(text); if (w) await w; }
    }
    await out.close();
    expect(gunzipSync(readFileSync(file)).toString()).toBe(expected);
  }), { numRuns: 60, seed: 4101 });
});

test('zcat reads a file of mixed members, and a stored member carries the right CRC and length', async () => {
  dir = mkdtempSync(join(tmpdir(), 'linkdest-gzm-'));
  const file = join(dir, 'm.gz');
  const out = await GzipMembers.create(file);
  out.add('small line\n');
  out.addPacked(gzipSync('ahead\n'.repeat(1000)));
  out.add('x'.repeat(70_000) + '\n');
  out.addPacked(gzipSync('more\n'));
  out.add('tail\n');
  await out.close();
  const expected = `small line\n${'ahead\n'.repeat(1000)}${'x'.repeat(70_000)}\nmore\ntail\n`;
  expect(execFileSync('zcat', [file], { encoding: 'utf8', maxBuffer: 1 << 24 })).toBe(expected);
  // A stored member above one deflate block's 65,535 bytes, and an empty one.
  const big = Buffer.alloc(150_000, 0x61);
  expect(gunzipSync(storedMember(big)).equals(big)).toBe(true);
  expect(gunzipSync(storedMember(Buffer.alloc(0))).length).toBe(0);
});

test('the CRC-32 in JS (Node 18 has no zlib.crc32) equals zlib\'s', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 3000 }), (a) => {
    const b = Buffer.from(a);
    expect(crc32InJs(b)).toBe(crc32(b));
  }), { numRuns: 200, seed: 4102 });
  expect(crc32InJs(Buffer.from('123456789'))).toBe(0xcbf43926);
});

test.skipIf(!existsSync('/dev/full'))(`a member that cannot be written (disk full) fails the close${existsSync('/dev/full') ? '' : ' (no /dev/full here: skipped)'}`, async () => {
  const out = await GzipMembers.create('/dev/full');
  out.add('a\n');
  out.addPacked(gzipSync('b\n'));
  await expect(out.close()).rejects.toThrow(/ENOSPC/);
});
