/**
 * The manifest's path encoding gives back the exact bytes of any name (newlines, "%",
 * invalid UTF-8), keeps a readable UTF-8 name readable, and the path order is the order a
 * depth-first walk with byte-sorted names produces (the merge in write.ts depends on it).
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { comparePaths, comparePathTexts, decodePath, encodePath, entryLine, isPlainPath, linePath, parseEntry, parseLine } from '../../../runtime/manifest/format.ts';
import { sortByBytes } from '../../../runtime/engine/dir-listing.ts';

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

// Text paths as the walk reads them: any Unicode (astral and private-use characters too, whose
// UTF-16 order differs from their UTF-8 order), "%" and control characters included.
const textName = fc.array(fc.oneof(fc.constantFrom('a', 'B', '.', '-', ' ', '%', '\n', '\u007f', '\u00e9', '\uffef', '\ud83d\ude00', '0'), fc.string({ unit: 'binary', minLength: 1, maxLength: 3 })), { minLength: 1, maxLength: 5 })
  .map((cs) => cs.join('').replaceAll('/', 'x').replaceAll('\0', 'x')).filter((n) => Buffer.from(n).toString() === n);
const textPath = fc.array(textName, { minLength: 1, maxLength: 4 }).map((ns) => ns.join('/'));
// Plain names (isPlainPath), weighted to the characters around "/" where the orders could part.
const plainChar = fc.oneof(fc.constantFrom(' ', '!', '-', '.', '0', 'a', '~', '\u0080', '\u00e9'),
  fc.integer({ min: 0x20, max: 0xd7ff }).filter((c) => c !== 0x25 && c !== 0x2f && c !== 0x7f).map((c) => String.fromCharCode(c)));
const plainPath = fc.array(fc.array(plainChar, { minLength: 1, maxLength: 4 }).map((cs) => cs.join('')), { minLength: 1, maxLength: 4 }).map((ns) => ns.join('/'));

describe('the merge compares plain paths as text', () => {
  test('comparePathTexts orders two plain paths as comparePaths orders their bytes', () => {
    fc.assert(fc.property(plainPath, plainPath, (a, b) => {
      expect(isPlainPath(a) && isPlainPath(b)).toBe(true);
      expect(Math.sign(comparePathTexts(a, b))).toBe(Math.sign(comparePaths(Buffer.from(a), Buffer.from(b))));
    }), { numRuns: 2000 });
  });

  test('a line\'s key is its encoded path; plain exactly when that is the path\'s own text', () => {
    fc.assert(fc.property(fc.oneof(path, textPath.map((t) => Buffer.from(t))), (p) => {
      const l = parseLine(entryLine({ hash: 'ab', size: 1n, mtimeNs: 2n, ino: 3n, path: p }).slice(0, -1));
      expect(l.key).toBe(encodePath(p));
      expect(linePath(l).equals(p)).toBe(true);
      if (l.plain) expect(Buffer.from(l.key).equals(p)).toBe(true);
      if (isPlainPath(p.toString()) && Buffer.from(p.toString()).equals(p)) expect(l.plain).toBe(true);
    }), { numRuns: 2000 });
  });

  test('the pre-link listing sorts names in byte order', () => {
    fc.assert(fc.property(fc.uniqueArray(textName, { maxLength: 20 }), (names) => {
      const sorted = sortByBytes(names.map((name) => ({ name }))).map((e) => e.name);
      expect(sorted).toEqual([...names].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
    }), { numRuns: 2000 });
  });
});

function splitBytes(p: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let s = 0;
  for (let i = 0; i <= p.length; i++) if (i === p.length || p[i] === 0x2f) { out.push(p.subarray(s, i)); s = i + 1; }
  return out;
}
