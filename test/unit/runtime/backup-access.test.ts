/** What a run repairs on the backup root and a set directory: mode, and the group with backup_group. */
import { describe, expect, test } from 'vitest';
import { accessRepair } from '../../../runtime/backup-access.ts';

describe('accessRepair', () => {
  test.each([
    ['0755 dir, root only', { mode: 0o40755, gid: 0 }, { mode: 0o700 }, { mode: 0o700 }],
    ['already 0700', { mode: 0o40700, gid: 0 }, { mode: 0o700 }, {}],
    ['0700 dir, group wanted', { mode: 0o40700, gid: 0 }, { mode: 0o750, gid: 50 }, { mode: 0o750, gid: 50 }],
    ['0750 with another group', { mode: 0o40750, gid: 0 }, { mode: 0o750, gid: 50 }, { gid: 50 }],
    ['setgid bit counts as a difference', { mode: 0o42750, gid: 50 }, { mode: 0o750, gid: 50 }, { mode: 0o750 }],
    ['already right, with group', { mode: 0o40750, gid: 50 }, { mode: 0o750, gid: 50 }, {}],
  ])('%s', (_what, current, rule, fix) => expect(accessRepair(current, rule)).toEqual(fix));
});
