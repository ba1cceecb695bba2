import { describe, expect, test } from 'vitest';
import { desiredLinks, parseBlkidExport, udevEscape } from '../../testbed/udev-links.ts';

describe('udev stand-in links', () => {
  test.each([
    ['BACKUP', 'BACKUP'],
    ['Disco Backup', 'Disco\\x20Backup'],
    ['a/b', 'a\\x2fb'],
    ['ñ', '\\xc3\\xb1'],
  ])('escapes %j as %j', (value, expected) => {
    expect(udevEscape(value)).toBe(expected);
  });

  test('partition with a filesystem gets uuid, label, partuuid and partlabel links', () => {
    const props = parseBlkidExport([
      'DEVNAME=/dev/loop3p1', 'LABEL=Disco Backup', 'UUID=f6ac6fb3-5e5b-403a-980c-655160aac95d', 'TYPE=ext4',
      'PART_ENTRY_NAME=data', 'PART_ENTRY_UUID=e91c38ad-3ab7-44bf-b820-afa6a8a21f9b',
    ].join('\n'));
    expect(desiredLinks([{ node: 'loop3p1', props }])).toEqual([
      { dir: 'by-uuid', name: 'f6ac6fb3-5e5b-403a-980c-655160aac95d', target: '../../loop3p1' },
      { dir: 'by-label', name: 'Disco\\x20Backup', target: '../../loop3p1' },
      { dir: 'by-partuuid', name: 'e91c38ad-3ab7-44bf-b820-afa6a8a21f9b', target: '../../loop3p1' },
      { dir: 'by-partlabel', name: 'data', target: '../../loop3p1' },
    ]);
  });

  test.each([
    ['a whole disk with only a partition table', { PTTYPE: 'gpt', PTUUID: 'x' }, []],
    ['a blank disk', {}, []],
  ])('%s gets no links', (_name, props, expected) => {
    expect(desiredLinks([{ node: 'loop3', props }])).toEqual(expected);
  });
});
