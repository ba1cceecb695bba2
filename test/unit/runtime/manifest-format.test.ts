/**
 * The manifest's path encoding gives back the exact bytes of any name (newlines, "%",
 * invalid UTF-8), keeps a readable UTF-8 name readable, and the path order is the order a
 * depth-first walk with byte-sorted names produces (the merge in write.ts depends on it).
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { comparePaths, decodePath, encodePath, entryLine, parseEntry } from '../../../runtime/manifest/format.ts';

const name = fc.uint8Array({ minLength: 1, maxLength: 12 }).map((a) => Buffer.from(a.filter((c) => c !== 0x2f && c !== 0)))
  .filter((b) => b.length > 0);
const path = fc.array(name, { minLength: 1, maxLength: 4 }).map((ns) => Buffer.concat(ns.flatMap((n, i) => (i ? [Buffer.from('/'), n] : [n]))));

describe('manifest path encoding', () => {
  test.each([
    ['plain/name.txt', 'plain/name.txt'],
    ['with space/and\nnewline', 'with space/and%0Anewline'],
    ['100%', '100%25'],
    ['Grüße/café', 'Grüße/café'],
  ])('%j is written as %j', (raw, encoded) => {
    expect(encodePath(Buffer.from(raw))).toBe(encoded);
    expect(decodePath(encoded).toString()).toBe(raw);
  });

  test('a name that is not UTF-8 has its high bytes escaped', () => {
    expect(encodePath(Buffer.from([0x61, 0xe9, 0x2f, 0xff]))).toBe('a%E9/%FF');
  });

  test('any byte path survives encode -> line -> parse exactly', () => {
    fc.assert(fc.property(path, fc.bigInt({ min: 0n, max: 2n ** 63n }), (p, n) => {
      const e = { hash: 'ab12', size: n, mtimeNs: n, ino: n, path: p };
      const line = entryLine(e);
      expect(line.indexOf('\n')).toBe(line.length - 1);
      expect(parseEntry(line.slice(0, -1))).toEqual(e);
    }));
  });

  test('comparePaths is the depth-first walk order of byte-sorted names', () => {
    fc.assert(fc.property(fc.uniqueArray(path, { maxLength: 30, selector: (b) => b.toString('hex') }), (paths) => {
      // Build the tree the paths describe and walk it as walk.ts does.
      type Node = Map<string, Node>;
      const tree: Node = new Map();
      for (const p of paths) {
        let n = tree;
        for (const c of splitBytes(p)) {
          const k = c.toString('hex');
          if (!n.has(k)) n.set(k, new Map());
          n = n.get(k)!;
        }
      }
      const walked: Buffer[] = [];
      const walk = (n: Node, prefix: Buffer | undefined): void => {
        for (const k of [...n.keys()].sort((a, b) => Buffer.compare(Buffer.from(a, 'hex'), Buffer.from(b, 'hex')))) {
          const p = prefix ? Buffer.concat([prefix, Buffer.from('/'), Buffer.from(k, 'hex')]) : Buffer.from(k, 'hex');
          walked.push(p);
          walk(n.get(k)!, p);
        }
      };
      walk(tree, undefined);
      expect([...walked].sort(comparePaths).map((b) => b.toString('hex'))).toEqual(walked.map((b) => b.toString('hex')));
    }));
  });
});

function splitBytes(p: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let s = 0;
  for (let i = 0; i <= p.length; i++) if (i === p.length || p[i] === 0x2f) { out.push(p.subarray(s, i)); s = i + 1; }
  return out;
}
