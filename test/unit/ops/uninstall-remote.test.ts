import { describe, expect, test } from 'vitest';
import { parseRuntimeConfig } from '../../../runtime/config.ts';
import { CONFIG_FILES, uninstallPlan } from '../../../provision/ops/uninstall-plan.ts';
import { buildRecipe } from '../../../provision/recipe.ts';
import { makeSpec } from '../provision/make-spec.ts';
import { runtimeArgv, INSTALLED_RUNTIME } from '../../../provision/ops/remote.ts';
import { restoreOptionArgv } from '../../../provision/commands/restore.ts';
import { worstExit } from '../../../provision/commands/run.ts';

const cfg = parseRuntimeConfig({
  name: 'marte', destination: { path: '/mnt/Backup', mount: { kind: 'systemd', unit: 'mnt-Backup.mount' } }, sources: [{ path: '/Apps' }],
});
const ALL = ['/etc/systemd/system/linkdest.service', '/etc/systemd/system/linkdest.timer', '/usr/local/lib/linkdest/linkdest-runtime.mjs', '/etc/linkdest/linkdest.json'];

describe('uninstallPlan', () => {
  test('systemd host: timer disabled and stopped first, units and runtime removed, config kept and said so', () => {
    const p = uninstallPlan({ systemd: true, present: new Set(ALL), config: cfg }, false);
    expect(p.commands[0]!.argv).toEqual(['systemctl', 'disable', '--now', 'linkdest.timer']);
    expect(p.removed).toEqual(['/etc/systemd/system/linkdest.timer', '/etc/systemd/system/linkdest.service', '/usr/local/lib/linkdest/linkdest-runtime.mjs']);
    expect(p.kept.join('\n')).toMatch(/linkdest.json \(use --purge-config/);
    expect(p.kept.join('\n')).toMatch(/every snapshot in \/mnt\/Backup\/marte/);
    expect(p.kept.join('\n')).toMatch(/mnt-Backup.mount/);
  });

  test('--purge-config removes the config too; nothing ever names the disk, mount units or fstab', () => {
    const p = uninstallPlan({ systemd: false, present: new Set([...ALL.slice(2), '/etc/cron.d/linkdest']), config: cfg }, true);
    expect(p.removed).toEqual(['/etc/cron.d/linkdest', '/usr/local/lib/linkdest/linkdest-runtime.mjs', '/etc/linkdest/linkdest.json']);
    const all = p.commands.map((c) => c.argv.join(' ')).join('\n');
    expect(all).not.toMatch(/Backup|\.mount|fstab|umount/);
    expect(p.commands.some((c) => c.argv[0] === 'systemctl')).toBe(false);
  });
});

describe('--purge-config removes every secret file apply deploys', () => {
  test('a recipe with every secret: each of its files under /etc/linkdest is purged', () => {
    const ref = { password_env: 'LINKDEST_UNUSED' };
    const base = makeSpec();
    const spec = makeSpec({
      smtp_password: ref, webhook_url: ref,
      runtime: {
        ...base.runtime,
        report: {
          mail: { to: ['a@b.org'], from: 'c@d.org', style: 'report', smtp: { host: 'mail', port: 25, security: 'starttls', password_file: '/x' } },
          webhook: { url_file: '/x', when: 'problems', timeout_s: 10 },
        },
      },
    });
    const deployed = buildRecipe(spec, { runtimeBundle: Buffer.from('') }).resources
      .map((r) => r.id).filter((id) => id.startsWith('file:/etc/linkdest/')).map((id) => id.slice('file:'.length));
    expect(deployed).toEqual(expect.arrayContaining(['/etc/linkdest/smtp-password', '/etc/linkdest/webhook-url']));
    expect(CONFIG_FILES).toEqual(expect.arrayContaining(deployed));
  });

  test('the webhook URL (its token) goes with the config; without --purge-config it is kept and said so', () => {
    const present = new Set([...ALL, '/etc/linkdest/smtp-password', '/etc/linkdest/webhook-url']);
    const purge = uninstallPlan({ systemd: true, present, config: cfg }, true);
    expect(purge.removed).toEqual(expect.arrayContaining(['/etc/linkdest/linkdest.json', '/etc/linkdest/smtp-password', '/etc/linkdest/webhook-url']));
    expect(purge.commands.map((c) => c.argv)).toContainEqual(['rm', '-f', '--', '/etc/linkdest/webhook-url']);
    const keep = uninstallPlan({ systemd: true, present, config: cfg }, false);
    expect(keep.kept.join('\n')).toMatch(/webhook-url \(use --purge-config/);
  });

  test('an iSCSI disk: the node record with its CHAP secret is kept and said so, with the command that removes it', () => {
    const iscsi = parseRuntimeConfig({
      name: 'marte', sources: [{ path: '/Apps' }],
      destination: { path: '/mnt/Backup', mount: { kind: 'systemd', unit: 'mnt-Backup.mount' }, iscsi: { portals: ['10.0.0.5:3260'], target: 'iqn.2004-04.com.qnap:ts-569pro:iscsi.backup.d70ea1', lun: 1 } },
    });
    expect(uninstallPlan({ systemd: true, present: new Set(ALL), config: iscsi }, true).kept.join('\n'))
      .toMatch(/iSCSI node record of iqn\.2004-04\.com\.qnap:ts-569pro:iscsi\.backup\.d70ea1 .*CHAP secret.*iscsiadm -m node -T \S+ -o delete/);
  });
});

test('user values reach the host as single argv words after --', () => {
  const path = "/Apps/it's a $(touch /tmp/pwned) `x` ; file";
  const argv = runtimeArgv(INSTALLED_RUNTIME, 'restore', ['--json', ...restoreOptionArgv({ inventory: 'x', to: '/root/a b', at: '2026-11-24 14:00' })], [path]);
  expect(argv).toEqual(['node', '/usr/local/lib/linkdest/linkdest-runtime.mjs', '--config', '/etc/linkdest/linkdest.json', 'restore', '--json',
    '--at=2026-11-24 14:00', '--to=/root/a b', '--', path]);
});

test.each([
  [[0, 0], 0], [[0, 2], 2], [[2, 75], 75], [[75, 1], 1], [[], 0],
])('worstExit(%j) = %d', (codes, want) => {
  expect(worstExit(codes)).toBe(want);
});
