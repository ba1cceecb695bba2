/**
 * The iSCSI fact script run by sh with a recorded iscsiadm in front of PATH (outputs as
 * open-iscsi 2.1.8 prints them): sections parsed, and passwords leave only as sha256.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { ISCSI_GATHER_SCRIPT, parseIscsiGather } from '../../../provision/iscsi/facts.ts';

const T = 'iqn.2004-04.com.qnap:ts-569pro:iscsi.backuprbme.d70ea1';
const SECRET = 'pass word $(not run) "q"';
const dir = mkdtempSync(join(tmpdir(), 'linkdest-iscsi-gather-'));
writeFileSync(join(dir, 'iscsiadm'), `#!/bin/sh
case "$*" in
  "-m node") printf '%s\\n' '10.0.0.5:3260,1 ${T}' '10.0.0.6:3260,1 ${T}' '10.0.0.5:3260,1 iqn.x:other' ;;
  "-m node -T ${T} -p 10.0.0.5:3260 -o show -S") cat <<'REC'
# BEGIN RECORD 2.1.8
node.name = ${T}
node.startup = automatic
node.session.auth.authmethod = CHAP
node.session.auth.username = backup
node.session.auth.password = ${SECRET}
node.session.auth.password_in = <empty>
# END RECORD
REC
  ;;
  "-m node -T ${T} -p 10.0.0.6:3260 -o show -S") echo 'node.startup = manual' ;;
  "-m session") echo 'tcp: [3] 10.0.0.5:3260,1 ${T} (non-flash)' ;;
  *) echo "unexpected: $*" >&2; exit 9 ;;
esac
`);
chmodSync(join(dir, 'iscsiadm'), 0o755);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('records, settings with hashed passwords, sessions, boot id, relogin notes; the password itself never printed', () => {
  const pending = join(dir, 'iscsi-relogin-pending');
  writeFileSync(pending, `${T} 10.0.0.5:3260 3 boot-1\n`);
  const out = execFileSync('sh', ['-c', ISCSI_GATHER_SCRIPT, 'gather', 'N0NCE', T, '1', pending, '10.0.0.5:3260'], {
    encoding: 'utf8', env: { ...process.env, PATH: `${dir}:${process.env.PATH ?? ''}` },
  });
  expect(out).not.toContain('not run');
  const f = parseIscsiGather(out, 'N0NCE');
  expect(f.commands.iscsiadm).toBe(join(dir, 'iscsiadm'));
  expect(f.records).toEqual([
    { portal: '10.0.0.5:3260', tpgt: 1, target: T },
    { portal: '10.0.0.6:3260', tpgt: 1, target: T },
    { portal: '10.0.0.5:3260', tpgt: 1, target: 'iqn.x:other' },
  ]);
  expect(f.settings).toEqual({
    '10.0.0.5:3260': {
      'node.name': T, 'node.startup': 'automatic', 'node.session.auth.authmethod': 'CHAP', 'node.session.auth.username': 'backup',
      'node.session.auth.password.sha256': createHash('sha256').update(SECRET).digest('hex'), 'node.session.auth.password_in': '',
    },
    '10.0.0.6:3260': { 'node.startup': 'manual' },
  });
  expect(f.sessions).toEqual([{ transport: 'tcp', sid: 3, portal: '10.0.0.5:3260', tpgt: 1, target: T }]);
  expect(f.byPath).toEqual([]);
  expect(f.bootId).toBe(readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim());
  expect(f.reloginPending).toEqual([{ target: T, portal: '10.0.0.5:3260', sid: 3, boot: 'boot-1' }]);
});

/** The machine's own rc links of a script, as the gather should report them (rcS.d/K01iscsid). */
function machineLinks(script: string): string[] {
  const dirs = readdirSync('/etc').filter((d) => /^rc.\.d$/.test(d)).sort();
  return dirs.flatMap((d) => readdirSync(join('/etc', d)).filter((n) => new RegExp(`^[SK]\\d\\d${script.replace('-', '\\-')}$`).test(n)).sort().map((n) => `${d}/${n}`));
}

describe('init facts for hosts without systemd', () => {
  const tools = mkdtempSync(join(tmpdir(), 'linkdest-iscsi-init-'));
  afterAll(() => rmSync(tools, { recursive: true, force: true }));
  const gather = (pidofExit: number) => {
    mkdirSync(join(tools, String(pidofExit)), { recursive: true });
    const bin = join(tools, String(pidofExit));
    for (const c of ['update-rc.d', 'rc-update', 'rc-service']) {
      writeFileSync(join(bin, c), '#!/bin/sh\necho "must not run" >&2; exit 9\n');
      chmodSync(join(bin, c), 0o755);
    }
    writeFileSync(join(bin, 'pidof'), `#!/bin/sh\n[ "$*" = iscsid ] || exit 9\nexit ${pidofExit}\n`);
    chmodSync(join(bin, 'pidof'), 0o755);
    const out = execFileSync('sh', ['-c', ISCSI_GATHER_SCRIPT, 'gather', 'N0NCE', T, '1', join(tools, 'none'), '10.0.0.5:3260'], {
      encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${dir}:${process.env.PATH ?? ''}` },
    });
    return { bin, f: parseIscsiGather(out, 'N0NCE') };
  };

  test('init tools found on PATH (never run), SysV scripts and links as this machine has them, iscsid running per pidof', () => {
    const { bin, f } = gather(0);
    expect([f.commands['update-rc.d'], f.commands['rc-update'], f.commands['rc-service']]).toEqual(['update-rc.d', 'rc-update', 'rc-service'].map((c) => join(bin, c)));
    for (const s of ['iscsid', 'open-iscsi']) {
      expect(f.sysvScripts?.[s]).toEqual({ present: existsSync(`/etc/init.d/${s}`), links: machineLinks(s) });
    }
    expect(f.iscsidRunning).toBe(true);
    expect(f.openrcRunning).toBe(existsSync('/run/openrc'));
    expect(f.openrcRunlevels).toEqual(existsSync('/etc/runlevels') ? expect.any(Array) : []);
  });

  test('pidof finds no iscsid and /run/iscsid.pid names no live iscsid: not running', () => {
    const comm = (pid: string) => { try { return readFileSync(`/proc/${pid}/comm`, 'utf8').trim(); } catch { return ''; } };
    const live = existsSync('/run/iscsid.pid') && comm(readFileSync('/run/iscsid.pid', 'utf8').split('\n')[0]!.trim()) === 'iscsid';
    expect(gather(1).f.iscsidRunning).toBe(live);
  });

  test('OpenRC sections as an Alpine host prints them: runlevels, the last AUTOSTARTTARGETS, running', () => {
    const out = ['', '@@N0NCE commands', 'rc-update /sbin/rc-update', 'rc-service /sbin/rc-service', 'iscsiadm /usr/bin/iscsiadm',
      '@@N0NCE openrc', 'running', '@@N0NCE sysv iscsid', 'script', '@@N0NCE sysv open-iscsi',
      '@@N0NCE runlevels', 'boot', 'default', '@@N0NCE autostart', '"yes"', '@@N0NCE iscsid', '@@N0NCE end', ''].join('\n');
    expect(parseIscsiGather(out, 'N0NCE')).toMatchObject({
      sysvScripts: { iscsid: { present: true, links: [] }, 'open-iscsi': { present: false, links: [] } },
      openrcRunning: true, openrcRunlevels: ['boot', 'default'], openrcAutostart: '"yes"', iscsidRunning: false,
    });
  });
});

test('a script cut short is an error, not empty facts', () => {
  expect(() => parseIscsiGather('\n@@N0NCE commands\n', 'N0NCE')).toThrow('the iSCSI fact script did not finish');
});
