import { describe, expect, test } from 'vitest';
import { parseDocument } from 'yaml';
import { addRotationDisk, hostRotationDisks, removeRotationDisk } from '../../../provision/disks/inventory-disks.ts';

const UA = '3f1c2a4e-8b1d-4c55-9e0f-2a6b1c7d9e01';
const UB = '9a2e4f10-1c3b-4d7e-8f2a-6b5c4d3e2f10';
const UC = '11111111-2222-4333-8444-555555555555';

const HEAD = `# Our backups. Keep this comment.
defaults:
  schedule: "*-*-* 03:00:00"   # nightly
hosts:
  # the file server
  marte:
    sources: [/Apps]
`;
const TAIL = `  venus:   # another host, untouched
    sources: [ /srv ]
    mount: fstab
`;

describe('enrol into an existing block list: one line added, every other byte kept', () => {
  const text = `${HEAD}    disk:
      rotation:
        disks:
          - { id: A, uuid: ${UA} }   # blue case
          - id: B
            uuid: ${UB}
        max_absence: 14d
${TAIL}`;

  test('add', () => {
    const out = addRotationDisk(text, 'marte', { id: 'C', uuid: UC });
    expect(out).toBe(text.replace(`            uuid: ${UB}\n`, `            uuid: ${UB}\n          - {id: C, uuid: ${UC}}\n`));
    expect(hostRotationDisks(out, 'marte').map((d) => d.id)).toEqual(['A', 'B', 'C']);
  });

  test.each([
    ['A', text.replace(`          - { id: A, uuid: ${UA} }   # blue case\n`, '')],
    ['B', text.replace(`          - id: B\n            uuid: ${UB}\n`, '')],
  ])('retire %s removes only its lines', (id, expected) => {
    expect(removeRotationDisk(text, 'marte', id)).toBe(expected);
  });

  test('retiring an id that is not there is an error naming it', () => {
    expect(() => removeRotationDisk(text, 'marte', 'Z')).toThrow('host marte has no rotation disk Z of its own');
  });
});

describe('first enrolment: only the host entry is re-rendered, the rest byte for byte', () => {
  const text = `${HEAD}${TAIL}`;
  test('add to a host without disk', () => {
    const out = addRotationDisk(text, 'marte', { id: 'A', uuid: UA });
    expect(out.startsWith(`# Our backups. Keep this comment.
defaults:
  schedule: "*-*-* 03:00:00"   # nightly
hosts:
  # the file server
  marte:
`)).toBe(true);
    expect(out.endsWith(TAIL)).toBe(true);
    expect(parseDocument(out).toJS().hosts.marte.disk).toEqual({ rotation: { disks: [{ id: 'A', uuid: UA }] } });
  });

  test('retiring the last disk leaves an empty list, the rest kept', () => {
    const one = addRotationDisk(text, 'marte', { id: 'A', uuid: UA });
    const out = removeRotationDisk(one, 'marte', 'A');
    expect(out.endsWith(TAIL)).toBe(true);
    expect(parseDocument(out).toJS().hosts.marte.disk.rotation.disks).toEqual([]);
  });

  test('a host with disk.usb is refused, with the way forward', () => {
    const usb = `${HEAD}    disk: { usb: { device: /dev/loop3 } }\n${TAIL}`;
    expect(() => addRotationDisk(usb, 'marte', { id: 'A', uuid: UA })).toThrow('host marte has disk.usb; a rotation disk cannot be added beside it');
  });
});
