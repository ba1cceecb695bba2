/**
 * What plan says about one source host, from its facts: the changes apply would make there
 * (check script, user, sudoers rule, the key line) and whether the trust is in place.
 */
import { describe, expect, test } from 'vitest';
import type { Facts, FileFact } from '../../../provision/facts/types.ts';
import { sha256 } from '../../../provision/resources/file.ts';
import { CHECK_SCRIPT, CHECK_SCRIPT_PATH, sudoersRule } from '../../../provision/pull/check-script.ts';
import { pullMarker } from '../../../provision/pull/authorized-keys.ts';
import { SourceLocks, SourceTrustResource } from '../../../provision/pull/source-resource.ts';
import type { SourceFacts } from '../../../provision/pull/source-facts.ts';
import type { Transport } from '../../../provision/transport/transport.ts';

const PUB = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPullPullPullPullPullPullPullPullPullPullPu linkdest-pull@h1';
const file = (content: string, mode = 0o644, owner = 'root'): FileFact => ({ exists: true, type: 'file', mode, owner, group: owner, sha256: sha256(content), content });
const HAND = 'ssh-ed25519 AAAAhand admin@laptop\n';
const lineFor = (paths: string, pub = PUB) => `restrict,command="${CHECK_SCRIPT_PATH} /usr/bin/rsync ${paths}" ${pub.split(' ').slice(0, 2).join(' ')} ${pullMarker('h1')}`;

function resource(o: { rootAk?: string; ak?: string; script?: boolean; paths?: string[]; sourceUser?: string; account?: boolean; sudoers?: string; publicKey?: string; sudo?: boolean }) {
  const login = o.sourceUser ?? 'root';
  const home = login === 'root' ? '/root' : `/home/${login}`;
  const files: Record<string, FileFact> = {
    [`${home}/.ssh/authorized_keys`]: o.ak === undefined ? { exists: false } : file(o.ak, 0o600, login),
    ...(o.rootAk !== undefined && { '/root/.ssh/authorized_keys': file(o.rootAk, 0o600) }),
    [CHECK_SCRIPT_PATH]: o.script ? file(CHECK_SCRIPT, 0o755) : { exists: false },
    [`/etc/sudoers.d/linkdest-pull-${login}`]: o.sudoers === undefined ? { exists: false } : file(o.sudoers, 0o440),
  };
  const facts = { commands: { rsync: '/usr/bin/rsync', ...(o.sudo !== false && { sudo: '/usr/bin/sudo' }) }, files } as unknown as Facts;
  const sf: SourceFacts = {
    login, home, authorizedKeys: `${home}/.ssh/authorized_keys`, ...(login !== 'root' && { rootAuthorizedKeys: '/root/.ssh/authorized_keys' }), sudoers: `/etc/sudoers.d/linkdest-pull-${login}`, facts,
    ...(o.account !== false && { account: { home, group: login } }),
  };
  return new SourceTrustResource({
    backupHost: 'h1', transport: {} as Transport, facts: sf, rotating: false, locks: new SourceLocks(),
    source: { name: 'h2', ssh: { host: '10.0.0.2' }, become: false, address: '10.0.0.2', port: 22, paths: o.paths ?? ['/Apps'], ...(o.sourceUser && { sourceUser: o.sourceUser }) },
    ...(o.publicKey !== null && { publicKey: o.publicKey ?? PUB }),
  });
}

const summaries = (r: SourceTrustResource) => r.check({} as Facts).map((c) => `${c.action} ${c.summary}`);

describe('plan of a source host', () => {
  test('in sync: no change, trust in place', () => {
    const r = resource({ ak: `${HAND}${lineFor('/Apps')}\n`, script: true });
    expect(summaries(r)).toEqual([]);
    expect(r.inPlace()).toBe(true);
  });

  test('nothing there yet: the script and the line, the diff keeps the hand-written line', () => {
    const r = resource({ ak: HAND });
    const changes = r.check({} as Facts);
    expect(changes.map((c) => c.summary)).toEqual([
      `on h2: create ${CHECK_SCRIPT_PATH} (mode 0755)`,
      'on h2: add the pull key line of h1 in /root/.ssh/authorized_keys (read-only rsync of /Apps)',
    ]);
    expect(changes[1]!.diff).toEqual({ path: 'h2:/root/.ssh/authorized_keys', before: HAND, after: `${HAND}${lineFor('/Apps')}\n` });
    expect(r.inPlace()).toBe(false);
  });

  test('paths changed: only our line is updated', () => {
    const r = resource({ ak: `${lineFor('/Apps')}\n${HAND}`, script: true, paths: ['/Apps', '/srv'] });
    const [c] = r.check({} as Facts);
    expect(c!.summary).toBe('on h2: update the pull key line of h1 in /root/.ssh/authorized_keys (read-only rsync of /Apps, /srv)');
    expect(c!.diff?.after).toBe(`${lineFor('/Apps /srv')}\n${HAND}`);
  });

  test('the key is not generated yet: the line is shown as the key apply generates', () => {
    const r = resource({ ak: HAND, script: true, publicKey: null as unknown as string });
    const [c] = r.check({} as Facts);
    expect(c!.diff?.after).toContain('<the pull key apply generates>');
    expect(r.inPlace()).toBe(false);
  });

  test('source_user missing: the user, the sudoers rule, the line with --sudo', () => {
    const r = resource({ sourceUser: 'backup', account: false, script: true });
    const changes = r.check({} as Facts);
    expect(changes.map((c) => c.summary)).toEqual([
      'on h2: create the user backup (home /home/backup, no password)',
      'on h2: create /etc/sudoers.d/linkdest-pull-backup (mode 0440)',
      'on h2: add the pull key line of h1 in /home/backup/.ssh/authorized_keys (read-only rsync of /Apps)',
    ]);
    expect(changes[2]!.diff?.after).toContain(`command="${CHECK_SCRIPT_PATH} --sudo /usr/bin/rsync /Apps"`);
    expect(resource({ sourceUser: 'backup', script: true, sudoers: sudoersRule('backup', '/usr/bin/rsync'), ak: `${lineFor('/Apps').replace(CHECK_SCRIPT_PATH, `${CHECK_SCRIPT_PATH} --sudo`)}\n` }).inPlace()).toBe(true);
  });

  test('source_user set where root pulled before: root\'s line of this backup host goes, other lines stay', () => {
    const rootAk = `${HAND}${lineFor('/Apps')}\n`;
    const changes = resource({ sourceUser: 'backup', script: true, rootAk }).check({} as Facts).filter((c) => c.diff?.path.endsWith('/root/.ssh/authorized_keys'));
    expect(changes).toHaveLength(1);
    expect(changes[0]!.summary).toBe('on h2: remove the pull key line of h1 from /root/.ssh/authorized_keys (pulled as backup now)');
    expect(changes[0]!.diff).toEqual({ path: 'h2:/root/.ssh/authorized_keys', before: rootAk, after: HAND });
  });

  test('source_user without sudo on the source: refused at plan time', () => {
    expect(() => resource({ sourceUser: 'backup', sudo: false })).toThrow('source_user backup needs sudo on h2');
  });
});
