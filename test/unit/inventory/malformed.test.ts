/**
 * Malformed inventories: each is rejected with exactly one line naming the file, the
 * line:col of the offending value (or key, when missing/unknown), the dotted path and why.
 */
import { describe, expect, test } from 'vitest';
import { problems, yml } from './helpers.ts';

const cases: [string, string, string, string][] = [
  ['typo in a key, with a suggestion', yml`
    hosts:
      h:
        sources: [/data]
        mountpiont: /mnt/b`, '4:5', 'hosts.h.mountpiont: unknown key (did you mean "mountpoint"?)'],
  ['inline SMTP password', yml`
    hosts:
      h:
        sources: [/data]
        report:
          mail: { to: a@b.org, from: c@d.org, smtp: { host: mail, password: hunter2 } }`,
  '5:63', 'smtp.password: secrets are never written in the inventory: use password_file'],
  ['bad environment variable name', yml`
    hosts:
      h:
        sources: [/data]
        report:
          mail:
            to: a@b.org
            from: c@d.org
            smtp: { host: mail, password_env: MY-SECRET }`, '8:43', 'password_env: expected an environment variable name'],
  ['relative mountpoint', yml`
    hosts:
      h:
        sources: [/data]
        mountpoint: mnt/Backup`, '4:17', 'hosts.h.mountpoint: expected an absolute path'],
  ['mountpoint /', yml`
    hosts:
      h:
        sources: [/data]
        mountpoint: /`, '4:17', 'cannot be mounted on /'],
  ['marker as a path', yml`
    hosts:
      h:
        sources: [/data]
        marker: /mnt/Backup/.marker`, '4:13', 'marker: expected a file name, not a path'],
  ['unknown mount kind', yml`
    hosts:
      h:
        sources: [/data]
        mount: auto`, '4:12', 'mount: expected one of automount, fstab, static'],
  ['unknown connection', yml`
    hosts:
      h:
        connection: winrm
        sources: [/data]`, '3:17', 'connection: expected one of ssh, local'],
  ['port as text', yml`
    hosts:
      h:
        ssh: { host: h.lan, port: "22" }
        sources: [/data]`, '3:31', 'ssh.port: expected a number, got "22"'],
  ['ssh host that would be an option', yml`
    hosts:
      h:
        ssh: { host: "-oProxyCommand=touch /tmp/x" }
        sources: [/data]`, '3:18', 'ssh.host: expected a host name or address (no spaces, not starting with "-")'],
  ['no sources anywhere', yml`
    defaults:
      mountpoint: /mnt/Backup
    hosts:
      h:
        mount: fstab`, '4:3', 'hosts.h.sources: required: the directories to back up'],
  ['empty source list', yml`
    hosts:
      h:
        sources: []`, '3:14', 'hosts.h.sources: expected at least one source'],
  ['relative source', yml`
    hosts:
      h:
        sources: [/ok, data]`, '3:20', 'sources[1].path: expected /path or host:/path'],
  ['remote source that would be an rsync option', yml`
    hosts:
      h:
        sources: ["-e:/x"]`, '3:15', 'a source may not start with "-"'],
  ['typo in a long-form source', yml`
    hosts:
      h:
        sources:
          - path: /srv
            one_filesystem: true`, '5:9', 'sources[0].one_filesystem: unknown key (did you mean "one_file_system"?)'],
  ['cron line as schedule', yml`
    hosts:
      h:
        sources: [/data]
        schedule: "0 3 * * *"`, '4:15', 'schedule: this is a cron line'],
  ['prose as schedule', yml`
    hosts:
      h:
        sources: [/data]
        schedule: every night`, '4:15', 'schedule: expected a systemd OnCalendar time'],
  ['verify sample above 100 %', yml`
    hosts:
      h:
        sources: [/data]
        verify: { schedule: weekly, sample: 150 }`, '4:41', 'verify.sample: expected a percentage of at most 100'],
  ['verify without a schedule', yml`
    hosts:
      h:
        sources: [/data]
        verify: { sample: 5 }`, '4:5', 'verify.schedule'],
  ['size that is no size', yml`
    hosts:
      h:
        sources: [/data]
        retention: { min_free_after: lots }`, '4:34', 'retention.min_free_after: expected a size such as 30G, 500MB or 100k, got "lots"'],
  ['negative keep_min', yml`
    hosts:
      h:
        sources: [/data]
        retention: { keep_min: -1 }`, '4:28', 'retention.keep_min: expected at least 0'],
  ['unknown mail style', yml`
    hosts:
      h:
        sources: [/data]
        report: { mail: { to: [a@b.org], from: c@d.org, style: verbose, smtp: { host: m } } }`, '4:60', 'mail.style: expected one of all, report, errors'],
  ['pull.parallel of 0', yml`
    hosts:
      h:
        sources: [/data]
        pull: { parallel: 0 }`, '4:23', 'pull.parallel: expected at least 1'],
  ['mail recipient without @', yml`
    hosts:
      h:
        sources: [/data]
        report: { mail: { to: [a@b.org, root], from: c@d.org, smtp: { host: m } } }`, '4:37', 'mail.to[1]: expected a mail address'],
  ['healthcheck over ftp', yml`
    hosts:
      h:
        sources: [/data]
        report: { healthcheck_url: "ftp://hc.example.org/x" }`, '4:32', 'healthcheck_url: expected an http(s):// URL'],
  ['hook as a shell string', yml`
    hosts:
      h:
        sources: [/data]
        hooks: { pre: ["systemctl stop nginx"] }`, '4:20', 'hooks.pre[0]: expected a command as a list of words'],
  ['yes instead of true', yml`
    hosts:
      h:
        sources: [/data]
        become: yes`, '4:13', 'become: expected true or false, got "yes" (YAML 1.2 reads it as text)'],
  ['bad VM shutdown timeout', yml`
    hosts:
      h:
        sources: [/data]
        vms: { domains: [mail], shutdown_timeout: soon }`, '4:47', 'vms.shutdown_timeout: expected seconds or a duration'],
  ['~user path', yml`
    hosts:
      h:
        ssh: { identity: ~bob/.ssh/id }
        sources: [/data]`, '3:22', 'ssh.identity: only ~/ is expanded'],
  ['duplicate key', yml`
    hosts:
      h:
        sources: [/data]
        sources: [/other]`, '4:5', 'Map keys must be unique'],
  ['YAML syntax error', yml`
    hosts:
      h:
        sources: [/data
        mount: fstab`, '4:5', 'Flow sequence in block collection must be sufficiently indented'],
  ['top-level typo', yml`
    default:
      mountpoint: /mnt/b
    hosts:
      h:
        sources: [/data]`, '1:1', 'default: unknown key (did you mean "defaults"?)'],
  ['group naming an unknown host', yml`
    groups:
      web: { hosts: [h, www] }
    hosts:
      h:
        sources: [/data]`, '2:21', 'groups.web.hosts[1]: unknown host "www" (hosts: h)'],
  ['group with the name of a host', yml`
    groups:
      h: { hosts: [h] }
    hosts:
      h:
        sources: [/data]`, '2:3', 'groups.h: "h" is also a host'],
  ['host name with a space', yml`
    hosts:
      "web 1":
        sources: [/data]`, '2:3', 'invalid name: expected letters, digits'],
  ['tab indentation', 'hosts:\n\th: { sources: [/a] }\n', '2:1', 'Tabs are not allowed as indentation'],
  ['two YAML documents', 'hosts:\n  h: { sources: [/a] }\n---\nhosts: {}\n', '3:1', 'expected one YAML document'],
  ['alias bomb', [
    'x-a: &a [x, x, x, x, x, x, x, x, x, x]',
    'x-b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
    'x-c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
    'x-d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]',
    'hosts:',
    '  h: { sources: [/a], exclude: *d }',
  ].join('\n'), '1:1', 'resource exhaustion'],
  ['empty thin (would delete every snapshot down to keep_min)', yml`
    hosts:
      h:
        sources: [/data]
        retention: { thin: {} }`, '4:24', 'hosts.h.retention.thin: expected at least one of daily, weekly, monthly'],
  ['thin with all counts 0', yml`
    hosts:
      h:
        sources: [/data]
        retention:
          thin: { daily: 0, weekly: 0 }`, '5:13', 'hosts.h.retention.thin: expected a count above 0'],
];

describe('malformed inventories', () => {
  test.each(cases)('%s', (_name, text, position, fragment) => {
    const lines = problems(text);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^linkdest\\.yml:${position} `));
    expect(lines[0]).toContain(fragment);
  });
});
