/** The stale-lock rule as a table: what a lock file says, and when its holder is certainly gone. */
import { describe, expect, test } from 'vitest';
import { parseOwner, staleReason, type LockOwner } from '../../../runtime/lock.ts';

describe('parseOwner', () => {
  test.each([
    ['', undefined],
    ['123', undefined],
    ['123 host', undefined],
    ['123 host\n', { pid: 123, host: 'host' }],
    ['123 host boot-1 4567\n', { pid: 123, host: 'host', bootId: 'boot-1', start: '4567' }],
    ['123 host boot-1 4567', undefined],
    ['123 host boot-1\n', undefined],
    ['123 host boot-1 45x\n', undefined],
    ['x host\n', undefined],
    ['123 host boot-1 4567 more\n', undefined],
  ])('%j', (text, owner) => expect(parseOwner(text)).toEqual(owner));
});

describe('staleReason', () => {
  const here = { host: 'h', bootId: 'b' };
  const running = (start: string) => (pid: number): string | undefined => (pid === 7 ? start : undefined);
  test.each<[string, LockOwner, string | undefined]>([
    ['another host: never judged', { pid: 9, host: 'other', bootId: 'x', start: '1' }, undefined],
    ['another boot', { pid: 7, host: 'h', bootId: 'old', start: '100' }, 'pid 7 ran before the last reboot'],
    ['pid gone', { pid: 9, host: 'h', bootId: 'b', start: '100' }, 'pid 9 is no longer running'],
    ['pid reused (other start)', { pid: 7, host: 'h', bootId: 'b', start: '99' }, 'pid 7 is now another process'],
    ['the holder itself', { pid: 7, host: 'h', bootId: 'b', start: '100' }, undefined],
    ['an old-format lock of a live pid', { pid: 7, host: 'h' }, undefined],
    ['an old-format lock of a dead pid', { pid: 9, host: 'h' }, 'pid 9 is no longer running'],
  ])('%s', (_what, owner, why) => expect(staleReason(owner, here, running('100'))).toBe(why));
});
