import { describe, expect, test } from 'vitest';
import { selectHosts } from '../../../inventory/limit.ts';
import { LinkdestError } from '../../../runtime/errors.ts';
import { parse, yml } from './helpers.ts';

const { hosts } = parse(yml`
  groups:
    gentoo: { hosts: [marte, giove] }
    nas: { hosts: [nas-client, marte] }
  hosts:
    marte: { sources: [/Apps] }
    nas-client: { sources: [/etc] }
    giove: { sources: [/srv] }
    web1: { sources: [/var/www] }`);

const names = (limit?: string) => selectHosts(hosts, limit).map((h) => h.name);

describe('selectHosts (--limit)', () => {
  test.each([
    [undefined, ['marte', 'nas-client', 'giove', 'web1']],
    ['', ['marte', 'nas-client', 'giove', 'web1']],
    ['all', ['marte', 'nas-client', 'giove', 'web1']],
    ['web1', ['web1']],
    ['gentoo', ['marte', 'giove']],
    ['giove,web1', ['giove', 'web1']],
    ['web1, gentoo', ['marte', 'giove', 'web1']],
    ['gentoo,nas,marte', ['marte', 'nas-client', 'giove']],
  ])('%s', (limit, expected) => {
    expect(names(limit)).toEqual(expected);
  });

  test('an unknown name is an error listing what exists', () => {
    let err: unknown;
    try { names('marte,mrate'); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(LinkdestError);
    const e = err as LinkdestError;
    expect(e.message).toBe('--limit: unknown host or group "mrate" (did you mean "marte"?); hosts: marte, nas-client, giove, web1; groups: gentoo, nas');
    expect(e.exitCode).toBe(2);
  });

  test('several unknown names are all named', () => {
    expect(() => names('x,y')).toThrow(/unknown host or group "x", "y"; hosts: /);
  });
});
