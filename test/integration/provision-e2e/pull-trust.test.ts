/**
 * Pulling from other machines, end to end on three booted hosts: h1 (host1) keeps the disk
 * and pulls h2:/Apps and h3:/srv (host2, host3, `role: source`). The control side plans and
 * applies in-process over the real SSH transport, with every command, file read and output
 * recorded, so the test can say what the control machine saw: never h1's private pull key.
 * Then, on the hosts: the nightly run (linkdest.service, the real runtime) pulls both; the
 * restricted key is refused a shell, another command, another path and a write; rotation
 * swaps the key; uninstall takes out exactly the managed lines; a changed host key on h2
 * fails h2's pull in one line.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadInventory } from '../../../inventory/load.ts';
import type { HostSpec } from '../../../inventory/host-spec.ts';
import { PULL_KEY, PULL_KNOWN_HOSTS, PULL_PUBLIC_KEY, pullRsh } from '../../../inventory/pull-source.ts';
import { applyHost } from '../../../provision/apply.ts';
import { planHost, type HostPlan } from '../../../provision/plan.ts';
import { runUninstall } from '../../../provision/commands/uninstall.ts';
import { SourceLocks } from '../../../provision/pull/source-resource.ts';
import { openTransport } from '../../../provision/transport/connect.ts';
import type { Transport } from '../../../provision/transport/transport.ts';
import { shellQuoteArgv } from '../../../runtime/engine/shell-quote.ts';
import { startHosts, type TestHost, type Testbed } from '../../testbed/index.ts';
import { SMALL_DISK_RETENTION, Workdir, e2eUnavailable, out, runCli, sshOf, suiteTitle } from './bed.ts';

const reason = e2eUnavailable();
const MOUNT = '/mnt/Backup';
const AK = '/root/.ssh/authorized_keys';
/** What a person wrote in h2's authorized_keys beside the bed's key: kept byte for byte. */
const HAND = '# hand-written, keep me\r\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHandWrittenKeyHandWrittenKeyHandWrittenK admin@laptop';

/** The transport, with everything the control machine received from the host kept in `seen`. */
function recording(t: Transport, seen: string[]): Transport {
  return {
    get name() { return t.name; },
    get history() { return t.history; },
    get offeredHostKey() { return (t as { offeredHostKey?: Buffer }).offeredHostKey; },
    connect: () => t.connect(),
    close: () => t.close(),
    async run(argv, o) {
      const r = await t.run(argv, o);
      seen.push(`run ${argv.join(' ')}`, r.stdout, r.stderr);
      return r;
    },
    async putFile(p, c, o) {
      seen.push(`put ${p}`);
      return t.putFile(p, c, o);
    },
    async getFile(p) {
      const b = await t.getFile(p);
      seen.push(`get ${p}`, b?.toString('utf8') ?? '');
      return b;
    },
  } as Transport;
}

describe.skipIf(reason !== undefined)(suiteTitle('provision e2e: pull trust (h1 pulls h2:/Apps and h3:/srv)', reason), () => {
  let bed: Testbed;
  let h1: TestHost; let h2: TestHost; let h3: TestHost;
  let work: Workdir;
  let inv = '';
  let spec: HostSpec;
  let handBefore = '';
  const seen: string[] = [];
  const open: Transport[] = [];
  const tag = randomBytes(4).toString('hex');

  async function connect(s: HostSpec): Promise<Transport> {
    const t = recording(openTransport(s), seen);
    open.push(t);
    await t.connect();
    return t;
  }

  async function plan(rotate = false): Promise<{ plan: HostPlan; t: Transport }> {
    const t = await connect(spec);
    const p = await planHost(spec, t, { openSource: connect, rotatePullKey: rotate, sourceLocks: new SourceLocks() });
    return { plan: p, t };
  }

  /** The nightly run, as systemd starts it; the journal when it fails. */
  async function nightly(): Promise<{ code: number; journal: string }> {
    await h1.exec(['journalctl', '--rotate']);
    const r = await h1.exec(['systemctl', 'start', 'linkdest.service']);
    return { code: r.code, journal: await out(h1, ['journalctl', '-u', 'linkdest.service', '-n', '40', '--no-pager', '-o', 'cat']) };
  }

  /** ssh from h1 with the pull key, as the runtime does (argv, no shell). */
  const sshFromH1 = (to: TestHost, ...cmd: string[]) => h1.exec(['timeout', '30', ...pullRsh({ address: to.address, port: 22 }), '-T', 'x', ...cmd]);
  const rsyncFromH1 = (...args: string[]) => h1.exec(['timeout', '30', 'rsync', '-e', shellQuoteArgv(pullRsh({ address: h2.address, port: 22 })), ...args]);

  beforeAll(async () => {
    work = await Workdir.create('pull');
    bed = await startHosts(3);
    [h1, h2, h3] = bed.hosts as [TestHost, TestHost, TestHost];
    const disk = await h1.attachDisk(128 * 1024 * 1024);
    await h2.check(['sh', '-c', 'mkdir -p /Apps/app && echo one > /Apps/app/data && echo secret > /etc/not-pulled']);
    await h3.check(['sh', '-c', 'mkdir -p /srv/www && echo two > /srv/www/index.html']);
    await h2.check(['sh', '-c', 'printf "%s" "$1" >> /root/.ssh/authorized_keys', 'sh', `\n${HAND}`]);
    handBefore = (await h2.check(['cat', AK])).stdout;
    inv = await work.inventory({
      hosts: {
        [h1.name]: {
          ssh: sshOf(h1), disk: { usb: { device: disk.device } }, mount: 'static', mountpoint: MOUNT, retention: SMALL_DISK_RETENTION,
          sources: [`${h2.name}:/Apps`, { host: h3.name, path: '/srv' }],
        },
        [h2.name]: { role: 'source', ssh: sshOf(h2) },
        [h3.name]: { role: 'source', ssh: sshOf(h3) },
      },
    });
    spec = (await loadInventory(inv)).hosts.find((h) => h.name === h1.name)!;
  }, 600_000);

  afterAll(async () => {
    await Promise.allSettled(open.map((t) => t.close()));
    await bed?.stop();
    await work?.remove();
  });

  test('plan says the trust is missing and shows every change; apply sets it up; a second plan is in sync', async () => {
    const first = await plan();
    expect(first.plan.status).toEqual([
      `pull from ${h2.name} (root@${h2.address}:22 /Apps): apply sets up the trust`,
      `pull from ${h3.name} (root@${h3.address}:22 /srv): apply sets up the trust`,
    ]);
    const ids = first.plan.changes.map((c) => c.resource);
    expect(ids).toEqual(expect.arrayContaining(['pull:key', `file:${PULL_KNOWN_HOSTS}`, `pull:${h2.name}`, `pull:${h3.name}`]));
    const akChange = first.plan.changes.find((c) => c.resource === `pull:${h2.name}` && c.diff?.path === `${h2.name}:${AK}`)!;
    expect(akChange.diff?.before).toBe(handBefore);
    await applyHost(first.plan, first.t);

    expect(await out(h1, ['stat', '-c', '%a %U', PULL_KEY])).toBe('600 root');
    const pub = await out(h1, ['cat', PULL_PUBLIC_KEY]);
    const lines = (await out(h2, ['cat', AK])).split('\n').filter((l) => l.endsWith(`linkdest-pull:${h1.name}`));
    expect(lines).toEqual([`restrict,command="/usr/local/lib/linkdest/pull-check /usr/bin/rsync /Apps" ${pub.split(' ').slice(0, 2).join(' ')} linkdest-pull:${h1.name}`]);
    // h1's known_hosts holds exactly the keys the bed's known_hosts (the control machine's) trusts.
    const kh = await out(h1, ['cat', PULL_KNOWN_HOSTS]);
    for (const h of [h2, h3]) expect(kh).toContain(`${h.address} ${(await out(h, ['cat', '/etc/ssh/ssh_host_ed25519_key.pub'])).split(' ').slice(0, 2).join(' ')}`);

    const again = await plan();
    expect(again.plan.changes).toEqual([]);
    expect(again.plan.status).toEqual([
      `pull from ${h2.name} (root@${h2.address}:22 /Apps): trust in place`,
      `pull from ${h3.name} (root@${h3.address}:22 /srv): trust in place`,
    ]);
  }, 600_000);

  test('linkdest plan (the CLI) names each source host and says the trust is in place', async () => {
    const r = await runCli(['plan', '-i', inv], { timeoutMs: 300_000 });
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toContain(`${h1.name}: in sync\n  pull from ${h2.name} (root@${h2.address}:22 /Apps): trust in place\n  pull from ${h3.name} (root@${h3.address}:22 /srv): trust in place`);
    const bad = await runCli(['apply', '--yes', '--rotate-pull-key', h2.name, '-i', inv], { timeoutMs: 60_000 });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`--rotate-pull-key ${h2.name}: not a selected backup host`);
  }, 300_000);

  test('the nightly run pulls both; the second run links unchanged files to the first', async () => {
    const r1 = await nightly();
    expect(r1.code, r1.journal).toBe(0);
    await h1.exec(['systemctl', 'start', 'mnt-Backup.mount']);
    const set = `${MOUNT}/${h1.name}`;
    const snaps = () => out(h1, ['sh', '-c', 'ls -1 "$1" | grep -E "^[0-9]{4}-"', 'sh', set]).then((s) => s.split('\n'));
    const [first] = await snaps();
    expect(await out(h1, ['cat', `${set}/${first}/${h2.name}/Apps/app/data`])).toBe('one');
    expect(await out(h1, ['cat', `${set}/${first}/${h3.name}/srv/www/index.html`])).toBe('two');
    await new Promise((r) => setTimeout(r, 1100)); // snapshot names are to the second
    const r2 = await nightly();
    expect(r2.code, r2.journal).toBe(0);
    await h1.exec(['systemctl', 'start', 'mnt-Backup.mount']);
    const all = await snaps();
    expect(all).toHaveLength(2);
    const inode = (s: string) => out(h1, ['stat', '-c', '%i', `${set}/${s}/${h2.name}/Apps/app/data`]);
    expect(await inode(all[1]!)).toBe(await inode(all[0]!));
  }, 600_000);

  test('an unreachable source host: the other is pulled, its copy kept as it was, the run warns; pulled again once back', async () => {
    await h2.check(['sh', '-c', 'echo while-h3-is-down > /Apps/app/tonight']);
    await h3.check(['systemctl', 'stop', 'ssh.socket', 'ssh.service']);
    try {
      // Until nothing listens: a stopping sshd may still take a connection and drop it.
      for (let i = 0; (await h1.exec(['timeout', '2', 'bash', '-c', `exec 3<>/dev/tcp/${h3.address}/22`])).code === 0; i++) {
        if (i > 50) throw new Error(`${h3.name}: sshd still listens after systemctl stop`);
        await new Promise((r) => setTimeout(r, 200));
      }
      await new Promise((r) => setTimeout(r, 1100)); // snapshot names are to the second
      const r = await nightly();
      expect(r.code, r.journal).not.toBe(0);
      const failed = r.journal.split('\n').filter((l) => l.startsWith(`error: ${h3.name}:/srv: `));
      expect(failed, r.journal).toHaveLength(1);
      expect(failed[0]).toContain(`host ${h3.name}: unreachable`);
      await h1.exec(['systemctl', 'start', 'mnt-Backup.mount']);
      const newest = await out(h1, ['sh', '-c', `ls -1d ${MOUNT}/${h1.name}/2* | tail -1`]);
      expect(await out(h1, ['cat', `${newest}/${h2.name}/Apps/app/tonight`])).toBe('while-h3-is-down');
      // h3's subtree is last night's copy (stale), not an empty directory that would read as deletions.
      expect(await out(h1, ['cat', `${newest}/${h3.name}/srv/www/index.html`])).toBe('two');
    } finally {
      await h3.check(['systemctl', 'start', 'ssh.socket', 'ssh.service']).catch(() => h3.check(['systemctl', 'start', 'ssh.service']));
    }
    await new Promise((r) => setTimeout(r, 1100));
    const back = await nightly();
    expect(back.code, back.journal).toBe(0);
  }, 600_000);

  test('the pull key is refused a shell, another command, another path and a write (ssh and rsync from h1)', async () => {
    const shell = await sshFromH1(h2);
    expect(shell.code).not.toBe(0);
    expect(shell.stderr).toContain('refused: no command');
    const cmd = await sshFromH1(h2, 'id');
    expect(cmd.code).not.toBe(0);
    expect(cmd.stdout).toBe('');
    expect(cmd.stderr).toContain('refused: not a read-only rsync');
    const catEtc = await sshFromH1(h2, 'rsync', '--server', '--sender', '-logDtpre.iLsfxCIvu', '.', '/etc/not-pulled');
    expect(catEtc.stderr).toContain('refused: path /etc/not-pulled');
    const other = await rsyncFromH1('-a', `${h2.name}:/etc/not-pulled`, '/tmp/got');
    expect(other.code).not.toBe(0);
    expect(other.stderr).toContain('refused: path /etc/not-pulled');
    expect(await out(h1, ['cat', '/tmp/got'])).toBe('');
    const escape = await rsyncFromH1('-a', `${h2.name}:/Apps/../etc/`, '/tmp/got-etc/');
    expect(escape.code).not.toBe(0);
    await h1.check(['sh', '-c', `echo ${tag} > /tmp/planted`]);
    const write = await rsyncFromH1('/tmp/planted', `${h2.name}:/Apps/`);
    expect(write.code).not.toBe(0);
    expect(write.stderr).toContain('refused: not a read-only rsync');
    expect((await h2.exec(['test', '-e', '/Apps/planted'])).code).not.toBe(0);
    // h3's key line allows /srv only: /Apps (allowed on h2) is not readable there.
    const cross = await sshFromH1(h3, 'rsync', '--server', '--sender', '-logDtpre.iLsfxCIvu', '.', '/Apps/');
    expect(cross.stderr).toContain('refused: path /Apps/');
  }, 300_000);

  test('--rotate-pull-key: a new key on h1, proven, the old key and its lines gone, the nightly run still pulls', async () => {
    const oldPub = await out(h1, ['cat', PULL_PUBLIC_KEY]);
    const r = await plan(true);
    expect(r.plan.changes.map((c) => c.resource)).toEqual(expect.arrayContaining(['pull:key', `pull:${h2.name}`, `pull:${h3.name}`, 'pull:rotate']));
    await applyHost(r.plan, r.t);
    const newPub = await out(h1, ['cat', PULL_PUBLIC_KEY]);
    expect(newPub).not.toBe(oldPub);
    expect((await h1.exec(['test', '-e', `${PULL_KEY}.new`])).code).not.toBe(0);
    for (const h of [h2, h3]) {
      const ours = (await out(h, ['cat', AK])).split('\n').filter((l) => l.endsWith(`linkdest-pull:${h1.name}`));
      expect(ours).toHaveLength(1);
      expect(ours[0]).toContain(newPub.split(' ')[1]);
    }
    const n = await nightly();
    expect(n.code, n.journal).toBe(0);
  }, 600_000);

  test('the control machine never received h1\'s private pull key', async () => {
    const priv = await out(h1, ['cat', PULL_KEY]);
    const body = priv.split('\n').filter((l) => !l.startsWith('-----'));
    expect(body.length).toBeGreaterThan(2);
    const everything = seen.join('\n');
    expect(everything).not.toContain('PRIVATE KEY');
    for (const line of body) expect(everything).not.toContain(line);
    // The only commands naming it generate or move it; nothing reads it.
    const naming = seen.filter((s) => s.startsWith('run ') || s.startsWith('get ')).filter((s) => s.includes(PULL_KEY) && !s.includes(PULL_PUBLIC_KEY) && !/\.new\.pub|\.pub /.test(s));
    expect(naming.length).toBeGreaterThan(0);
    for (const s of naming) expect(s).toMatch(/^run (sh -c .*ssh-keygen|mv -f -- |rsync --list-only)/s);
  });

  test('uninstall removes exactly the managed lines: h2\'s authorized_keys is byte for byte what it was', async () => {
    const written: string[] = [];
    await runUninstall(h1.name, { inventory: inv, yes: true }, { write: (s) => written.push(s) });
    expect(written.join('')).toContain(`${h2.name}: removed 1 line(s) of ${h1.name}'s pull key`);
    expect((await h2.check(['cat', AK])).stdout).toBe(handBefore);
    expect((await out(h3, ['cat', AK])).includes('linkdest-pull')).toBe(false);
  }, 300_000);

  test('source_user: h3 is pulled as a user with no password whose sudo allows only rsync --server --sender', async () => {
    inv = await work.inventory({
      hosts: {
        [h1.name]: {
          ssh: sshOf(h1), disk: { usb: { device: h1.disks[0]!.device } }, mount: 'static', mountpoint: MOUNT, retention: SMALL_DISK_RETENTION,
          sources: [`${h2.name}:/Apps`, { host: h3.name, path: '/srv' }],
        },
        [h2.name]: { role: 'source', ssh: sshOf(h2) },
        [h3.name]: { role: 'source', ssh: sshOf(h3), source_user: 'puller' },
      },
    });
    spec = (await loadInventory(inv)).hosts.find((h) => h.name === h1.name)!;
    const p = await plan();
    expect(p.plan.changes.map((c) => c.summary)).toEqual(expect.arrayContaining([
      `on ${h3.name}: create the user puller (home /home/puller, no password)`,
      `on ${h3.name}: create /etc/sudoers.d/linkdest-pull-puller (mode 0440)`,
    ]));
    await applyHost(p.plan, p.t);
    expect(await out(h3, ['sh', '-c', 'sudo -l -U puller | grep NOPASSWD'])).toBe('(root) NOPASSWD: /usr/bin/rsync --server --sender *');
    await h3.check(['sh', '-c', 'echo three > /srv/www/root-only && chmod 600 /srv/www/root-only']);
    const n = await nightly();
    expect(n.code, n.journal).toBe(0);
    await h1.exec(['systemctl', 'start', 'mnt-Backup.mount']);
    expect(await out(h1, ['sh', '-c', `cat ${MOUNT}/${h1.name}/latest/${h3.name}/srv/www/root-only 2>/dev/null || cat "$(ls -1d ${MOUNT}/${h1.name}/2* | tail -1)/${h3.name}/srv/www/root-only"`])).toBe('three');
    const asPuller = [...pullRsh({ address: h3.address, port: 22, sourceUser: 'puller' }), '-T', 'x'];
    const id = await h1.exec(['timeout', '30', ...asPuller, 'id']);
    expect(id.stderr).toContain('refused: not a read-only rsync');
    const sudoShell = await h1.exec(['timeout', '30', ...asPuller, 'sudo', '-n', 'sh']);
    expect(sudoShell.stderr).toContain('refused: not a read-only rsync');
  }, 600_000);

  test('a changed host key on h2: its pull fails in one line naming it, h3 is still pulled, the host key never accepted', async () => {
    // Trust again (uninstall took the lines), then h2 gets a new host key.
    const p = await plan();
    await applyHost(p.plan, p.t);
    await h3.check(['sh', '-c', 'echo pulled-despite-h2 > /srv/www/tonight']);
    await h2.check(['sh', '-c', 'rm -f /etc/ssh/ssh_host_ed25519_key* && ssh-keygen -q -t ed25519 -N "" -f /etc/ssh/ssh_host_ed25519_key && systemctl restart ssh']);
    const r = await nightly();
    // The run ends with a warning (exit 2), not ok: one source is stale.
    expect(r.code).not.toBe(0);
    const failed = r.journal.split('\n').filter((l) => l.startsWith(`error: ${h2.name}:/Apps: `));
    expect(failed, r.journal).toHaveLength(1);
    expect(failed[0]).toContain(`host ${h2.name}: Host key verification failed: its host key CHANGED`);
    // The other source host is pulled into the snapshot all the same.
    await h1.exec(['systemctl', 'start', 'mnt-Backup.mount']);
    expect(await out(h1, ['sh', '-c', `cat "$(ls -1d ${MOUNT}/${h1.name}/2* | tail -1)/${h3.name}/srv/www/tonight"`])).toBe('pulled-despite-h2');
    expect(await out(h1, ['cat', PULL_KNOWN_HOSTS])).not.toContain((await out(h2, ['cat', '/etc/ssh/ssh_host_ed25519_key.pub'])).split(' ')[1]);
  }, 300_000);
});
