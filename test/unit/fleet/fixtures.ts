/** A plan as a host would produce it: a create, an update with a diff, a delete, a run. */
import type { Change } from '../../../provision/resources/resource.ts';

export const marteChanges: Change[] = [
  {
    resource: 'partition:/dev/loop3',
    action: 'create',
    summary: 'create GPT partition 1 on /dev/loop3',
    data: { privateToApply: 'never shown' },
  },
  {
    resource: 'file:/etc/linkdest/linkdest.json',
    action: 'update',
    summary: 'update /etc/linkdest/linkdest.json',
    notify: ['daemon-reload'],
    diff: {
      path: '/etc/linkdest/linkdest.json',
      before: '{\n  "name": "marte",\n  "sources": ["/Apps"],\n  "smtp_password": "hunter2",\n  "password_file": "/etc/linkdest/smtp.pw"\n}\n',
      after: '{\n  "name": "marte",\n  "sources": ["/Apps", "/srv"],\n  "smtp_password": "correct horse",\n  "password_file": "/etc/linkdest/smtp.pw"\n}\n',
    },
  },
  {
    resource: 'file:/etc/iscsi/iscsid.conf',
    action: 'create',
    summary: 'create /etc/iscsi/iscsid.conf',
    diff: { path: '/etc/iscsi/iscsid.conf', after: 'node.session.auth.username = backup\nnode.session.auth.password = s3cr3t-chap\n' },
  },
  {
    resource: 'file:/etc/cron.d/linkdest',
    action: 'delete',
    summary: 'delete /etc/cron.d/linkdest (replaced by linkdest.timer)',
    diff: { path: '/etc/cron.d/linkdest', before: '30 2 * * * root /usr/local/bin/linkdest-runtime run\n' },
  },
  { resource: 'unit:linkdest.timer', action: 'run', summary: 'enable --now linkdest.timer' },
];
