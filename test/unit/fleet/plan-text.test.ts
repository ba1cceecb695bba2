import { describe, expect, test } from 'vitest';
import { formatHostPlan, summaryLine } from '../../../provision/render/plan-text.ts';
import type { Change } from '../../../provision/resources/resource.ts';
import { marteChanges } from './fixtures.ts';

const golden = `marte:
  + create GPT partition 1 on /dev/loop3 [partition:/dev/loop3]
  ~ update /etc/linkdest/linkdest.json [file:/etc/linkdest/linkdest.json]
      --- /etc/linkdest/linkdest.json
      +++ /etc/linkdest/linkdest.json
      @@ -1,6 +1,6 @@
       {
         "name": "marte",
      -  "sources": ["/Apps"],
      +  "sources": ["/Apps", "/srv"],
         "smtp_password": "********",
         "password_file": "/etc/linkdest/smtp.pw"
       }
  + create /etc/iscsi/iscsid.conf [file:/etc/iscsi/iscsid.conf]
      --- /dev/null
      +++ /etc/iscsi/iscsid.conf
      @@ -0,0 +1,2 @@
      +node.session.auth.username = backup
      +node.session.auth.password = ********
  - delete /etc/cron.d/linkdest (replaced by linkdest.timer) [file:/etc/cron.d/linkdest]
      --- /etc/cron.d/linkdest
      +++ /dev/null
      @@ -1,1 +0,0 @@
      -30 2 * * * root /usr/local/bin/linkdest-runtime run
  > enable --now linkdest.timer [unit:linkdest.timer]
marte: 5 to change (2 create, 1 update, 1 delete, 1 run)`;

describe('formatHostPlan', () => {
  test('create/update/delete/run with unified diffs, secrets masked (golden)', () => {
    expect(formatHostPlan('marte', marteChanges)).toBe(golden);
  });

  test('no secret value and no private resource data reaches the output', () => {
    const text = formatHostPlan('marte', marteChanges);
    for (const secret of ['hunter2', 'correct horse', 's3cr3t-chap', 'never shown']) expect(text).not.toContain(secret);
  });

  test('a host in sync is one line', () => {
    expect(formatHostPlan('venus', [])).toBe('venus: in sync');
    expect(formatHostPlan('venus', [], ['mount: static, because mount is unset'])).toBe('venus: in sync');
  });

  test('notes (the mount kind the facts chose) head the changes, one line each', () => {
    const c: Change = { resource: 'mount:/mnt/Backup', action: 'create', summary: 'create /etc/systemd/system/mnt-Backup.mount' };
    expect(formatHostPlan('h', [c], ['mount: static, because mount is unset and automount cannot work: x'])).toBe([
      'h:',
      '  mount: static, because mount is unset and automount cannot work: x',
      '  + create /etc/systemd/system/mnt-Backup.mount [mount:/mnt/Backup]',
      'h: 1 to change (1 create)',
    ].join('\n'));
  });

  test('a summary that itself carries a secret is masked', () => {
    const c: Change = { resource: 'iscsi:node', action: 'update', summary: 'set node.session.auth.password = leaked' };
    expect(formatHostPlan('h', [c])).not.toContain('leaked');
  });
});

describe('summaryLine', () => {
  const of = (...actions: Change['action'][]) => actions.map((action) => ({ resource: 'r', action, summary: 's' }));
  test.each([
    [of(), 'marte: in sync'],
    [of('create'), 'marte: 1 to change (1 create)'],
    [of('create', 'update', 'update', 'create', 'create', 'update', 'update'), 'marte: 7 to change (3 create, 4 update)'],
    [of('delete', 'run', 'create'), 'marte: 3 to change (1 create, 1 delete, 1 run)'],
  ])('%#: %s', (changes, line) => expect(summaryLine('marte', changes)).toBe(line));
});
