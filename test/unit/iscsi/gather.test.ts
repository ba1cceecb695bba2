/**
 * The iSCSI fact script run by sh with a recorded iscsiadm in front of PATH (outputs as
 * open-iscsi 2.1.8 prints them): sections parsed, and passwords leave only as sha256.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
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

test('a script cut short is an error, not empty facts', () => {
  expect(() => parseIscsiGather('\n@@N0NCE commands\n', 'N0NCE')).toThrow('the iSCSI fact script did not finish');
});
