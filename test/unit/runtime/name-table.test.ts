import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { NameTable } from '../../../runtime/engine/name-table.ts';

// Names as rsync's lines give them: bytes as latin1 text, high bytes and the empty name included.
const nameArb = fc.oneof(
  fc.constantFrom('', 'a', 'b', 'a/b', 'caf\xe9', '\xff\x80', 'd000/s0/f1'),
  fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 12 }),
);
const opArb = fc.oneof(
  fc.record({ op: fc.constant('set' as const), name: nameArb, value: fc.nat() }),
  fc.record({ op: fc.constant('delete' as const), name: nameArb }),
  fc.record({ op: fc.constant('get' as const), name: nameArb }),
);

describe('NameTable behaves as a Map of names', () => {
  test('any sequence of set, delete and get: the same answers and the same entries as a Map', () => {
    fc.assert(fc.property(fc.array(opArb, { maxLength: 3000 }), (ops) => {
      const t = new NameTable();
      const m = new Map<string, number>();
      for (const o of ops) {
        if (o.op === 'set') { t.set(o.name, o.value); m.set(o.name, o.value); }
        else if (o.op === 'delete') { t.delete(o.name); m.delete(o.name); }
        else expect(t.get(o.name)).toBe(m.get(o.name));
      }
      expect(t.size).toBe(m.size);
      expect(new Map(t.values())).toEqual(m);
    }), { numRuns: 300, seed: 20261205 });
  });

  test('grows past its first table and buffer: 100,000 names set, half deleted, all answered', () => {
    const t = new NameTable();
    for (let i = 0; i < 100_000; i++) t.set(`d${i % 250}/f${i}`, i);
    for (let i = 0; i < 100_000; i += 2) t.delete(`d${i % 250}/f${i}`);
    for (let i = 0; i < 100_000; i++) expect(t.get(`d${i % 250}/f${i}`)).toBe(i % 2 ? i : undefined);
    expect(t.size).toBe(50_000);
  });
});
