import { describe, expect, test } from 'vitest';
import { mountsBelow } from '../../testbed/tree.ts';

const mountinfo = [
  '22 1 254:0 / / rw,relatime - ext4 /dev/vda rw',
  '90 22 0:50 / /tmp/linkdest-testbed-ab/host1/root rw - overlay overlay rw',
  '91 90 0:5 / /tmp/linkdest-testbed-ab/host1/root/proc rw - proc proc rw',
  '92 22 0:51 / /tmp/linkdest-testbed-abc/x rw - tmpfs tmpfs rw',
  '93 22 0:52 / /tmp/with\\040space/m rw - tmpfs tmpfs rw',
].join('\n');

describe('mounts below a directory', () => {
  test.each([
    ['/tmp/linkdest-testbed-ab', ['/tmp/linkdest-testbed-ab/host1/root/proc', '/tmp/linkdest-testbed-ab/host1/root']],
    ['/tmp/linkdest-testbed-ab/', ['/tmp/linkdest-testbed-ab/host1/root/proc', '/tmp/linkdest-testbed-ab/host1/root']],
    ['/tmp/with space', ['/tmp/with space/m']],
    ['/srv', []],
  ])('%s, deepest first and no sibling prefix', (dir, expected) => {
    expect(mountsBelow(mountinfo, dir)).toEqual(expected);
  });
});
