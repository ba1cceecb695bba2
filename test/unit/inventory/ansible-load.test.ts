/**
 * Ansible inventories given to -i, as files on disk: precedence of the layers, how the
 * `linkdest` mappings merge, connection variables, --limit by Ansible group, errors with
 * file and line, vault and templates refused, and `linkdest inventory show`.
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadAnsibleInventory } from '../../../inventory/ansible/load.ts';
import { InventoryError } from '../../../inventory/errors.ts';
import { loadInventory, selectHosts, type Inventory } from '../../../inventory/load.ts';
import { showInventory } from '../../../provision/commands/inventory.ts';

let root: string;
let n = 0;
beforeAll(async () => { root = await mkdtemp(path.join(os.tmpdir(), 'linkdest-ansible-')); });
afterAll(async () => { await rm(root, { recursive: true, force: true }); });

/** Write `files` (path -> text) into a fresh directory; returns the path of `main`. */
async function tree(files: Record<string, string>, main = 'hosts'): Promise<string> {
  const dir = path.join(root, `t${++n}`);
  for (const [p, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, p)), { recursive: true });
    await writeFile(path.join(dir, p), text);
  }
  return path.join(dir, main);
}

async function load(files: Record<string, string>, main = 'hosts'): Promise<Inventory> {
  return loadInventory(await tree(files, main), { home: '/home/admin' });
}

async function problems(files: Record<string, string>, main = 'hosts'): Promise<string[]> {
  const file = await tree(files, main);
  const err = await loadInventory(file, { home: '/home/admin' }).then(() => undefined, (e: unknown) => e);
  if (!(err instanceof InventoryError)) throw new Error(`expected an InventoryError, got ${String(err)}`);
  return err.lines.map((l) => l.replaceAll(path.dirname(file), 'D'));
}

/** The value of variable `v` for host `h` after Ansible's precedence. */
async function varOf(files: Record<string, string>, h: string, v: string): Promise<unknown> {
  const file = await tree(files);
  const { readFile } = await import('node:fs/promises');
  const r = await loadAnsibleInventory(await readFile(file, 'utf8'), file, { dir: path.dirname(file), home: '/h', cwd: '/' });
  return r.vars.get(h)?.get(v)?.value;
}

describe('Ansible precedence: all < groups (depth, priority, name) < group_vars/all < group_vars < host < host_vars', () => {
  test.each<[string, Record<string, string>, unknown]>([
    ['a child group beats its parent', { hosts: '[p:children]\nc\n[c]\nh\n[p:vars]\nx=parent\n[c:vars]\nx=child\n' }, 'child'],
    ['parent written after the child still loses', { hosts: '[c]\nh\n[c:vars]\nx=child\n[p:children]\nc\n[p:vars]\nx=parent\n' }, 'child'],
    ['siblings: the later name wins', { hosts: '[b]\nh\n[a]\nh\n[a:vars]\nx=a\n[b:vars]\nx=b\n' }, 'b'],
    ['siblings: a higher ansible_group_priority wins', { hosts: '[b]\nh\n[a]\nh\n[a:vars]\nx=a\nansible_group_priority=5\n[b:vars]\nx=b\n' }, 'a'],
    ['depth beats priority', { hosts: '[p:children]\nc\n[c]\nh\n[p:vars]\nx=p\nansible_group_priority=9\n[c:vars]\nx=c\n' }, 'c'],
    ['group_vars/all beats groups written in the inventory', { hosts: '[a]\nh\n[a:vars]\nx=inline\n', 'group_vars/all.yml': 'x: file\n' }, 'file'],
    ['group_vars/GROUP beats group_vars/all', { hosts: '[a]\nh\n', 'group_vars/all.yml': 'x: all\n', 'group_vars/a.yml': 'x: a\n' }, 'a'],
    ['host vars in the inventory beat group_vars', { hosts: '[a]\nh x=host\n', 'group_vars/a.yml': 'x: a\n' }, 'host'],
    ['host_vars beat everything', { hosts: '[a]\nh x=host\n', 'host_vars/h.yml': 'x: host_vars\n' }, 'host_vars'],
    ['all vars written in the inventory lose to every group', { hosts: '[a]\nh\n[all:vars]\nx=all\n[a:vars]\nx=a\n' }, 'a'],
    ['NAME (no extension) is read before NAME.yml', { hosts: '[a]\nh\n', 'group_vars/a': 'x: bare\n', 'group_vars/a.yml': 'x: yml\n' }, 'bare'],
    ['NAME.yaml before NAME.json', { hosts: '[a]\nh\n', 'group_vars/a.yaml': 'x: yaml\n', 'group_vars/a.json': '{"x": "json"}' }, 'yaml'],
    ['a directory: files in name order, later wins, subdirectories too', {
      hosts: '[a]\nh\n', 'group_vars/a/10.yml': 'x: ten\n', 'group_vars/a/20.yml': 'x: twenty\n', 'group_vars/a/30/x.yml': 'x: thirty\n',
    }, 'thirty'],
    ['a directory skips hidden files, backups and other extensions', {
      hosts: '[a]\nh\n', 'group_vars/a/main.yml': 'x: main\n', 'group_vars/a/.z.yml': 'x: hidden\n', 'group_vars/a/z.yml~': 'x: backup\n', 'group_vars/a/z.txt': 'x: txt\n',
    }, 'main'],
    ['YAML 1.1 as Ansible reads it: yes is true', { hosts: '[a]\nh\n', 'group_vars/a.yml': 'x: yes\n' }, true],
    ['YAML inventory: child beats parent', { hosts: 'all:\n  children:\n    p:\n      vars: {x: p}\n      children:\n        c:\n          hosts: {h: ~}\n          vars: {x: c}\n' }, 'c'],
  ])('%s', async (_name, files, value) => {
    expect(await varOf(files, 'h', 'x')).toEqual(value);
  });
});

const SOURCES = 'sources: [/srv]';

describe('linkdest settings', () => {
  test('only hosts with a linkdest variable are backup hosts; maps merge, lists replace, ~ removes', async () => {
    const inv = await load({
      hosts: '[web]\nweb[1:2]\n[backup]\nnas1\nnas2\n',
      'group_vars/all.yml': 'linkdest_unrelated: 1\n',
      'group_vars/backup.yml': `linkdest:\n  ${SOURCES}\n  retention: {keep_min: 30, min_free_before: 30G}\n  exclude: [a, b]\n  mount: static\n`,
      'host_vars/nas2.yml': 'linkdest:\n  sources: [/other]\n  retention: {keep_min: 60}\n  exclude: ~\n',
    });
    expect(inv.format).toBe('ansible');
    expect(inv.hosts.map((h) => h.name)).toEqual(['nas1', 'nas2']);
    expect(inv.settings!.nas1).toEqual({ sources: ['/srv'], retention: { keep_min: 30, min_free_before: '30G' }, exclude: ['a', 'b'], mount: 'static' });
    expect(inv.settings!.nas2).toEqual({ sources: ['/other'], retention: { keep_min: 60, min_free_before: '30G' }, mount: 'static' });
  });

  test('linkdest: ~ (or false) in a later layer makes a host not a backup host', async () => {
    const inv = await load({
      hosts: '[backup]\nkeep\ndrop\noff\n',
      'group_vars/backup.yml': `linkdest: {${SOURCES}}\n`,
      'host_vars/drop.yml': 'linkdest: ~\n',
      'host_vars/off.yml': 'linkdest: false\n',
    });
    expect(inv.hosts.map((h) => h.name)).toEqual(['keep']);
  });

  test('a linkdest written inline on an INI host line is a Python dict', async () => {
    const inv = await load({ hosts: `[b]\nh linkdest="{'sources': ['/srv'], 'mount': 'static'}"\n` });
    expect(inv.settings!.h).toEqual({ sources: ['/srv'], mount: 'static' });
  });

  test('connection variables give ssh settings; an explicit linkdest.ssh wins', async () => {
    const inv = await load({
      hosts: [
        '[b]',
        'h1 ansible_host=192.0.2.1 ansible_port=2200 ansible_user=backup ansible_become=yes ansible_ssh_private_key_file=keys/id',
        'h2:2222 ansible_ssh_common_args="-o ProxyJump=admin@bastion:22 -o StrictHostKeyChecking=no"',
        "h3 ansible_ssh_extra_args='-J jump1,jump2 -i ~/.ssh/k -o UserKnownHostsFile=/etc/kh'",
        `h4 ansible_ssh_common_args='-o ProxyCommand="ssh -W %h:%p -q admin@bastion"' ansible_connection=ssh`,
        'h5 ansible_connection=local',
        '[b:vars]',
        `linkdest={'sources': ['/srv']}`,
      ].join('\n'),
      'host_vars/h1.yml': `linkdest:\n  ssh: {user: root}\n`,
    });
    const by = Object.fromEntries(inv.hosts.map((h) => [h.name, h]));
    expect(by.h1!.ssh).toEqual({ host: '192.0.2.1', port: 2200, user: 'root', identity: path.resolve('keys/id') });
    expect(by.h1!.become).toBe(true);
    expect(by.h2!.ssh).toEqual({ host: 'h2', port: 2222, jump: ['admin@bastion:22'] });
    expect(by.h3!.ssh).toEqual({ host: 'h3', jump: ['jump1', 'jump2'], identity: '/home/admin/.ssh/k', known_hosts: '/etc/kh' });
    expect(by.h4!.ssh).toEqual({ host: 'h4', jump: ['admin@bastion'] });
    expect(by.h5!.connection).toBe('local');
  });

  test('--limit takes Ansible group names, parents included', async () => {
    const inv = await load({
      hosts: '[office]\nmarte\n[nas]\nnas1\n[backup:children]\noffice\nnas\n[backup:vars]\n' + `linkdest={'sources': ['/srv']}\n`,
    });
    expect(selectHosts(inv.hosts, 'office').map((h) => h.name)).toEqual(['marte']);
    expect(selectHosts(inv.hosts, 'backup').map((h) => h.name)).toEqual(['marte', 'nas1']);
    expect(inv.groups).toEqual({ office: ['marte'], nas: ['nas1'], backup: ['marte', 'nas1'] });
    expect(() => selectHosts(inv.hosts, 'ofice')).toThrow('--limit: unknown host or group "ofice" (did you mean "office"?)');
  });
});

describe('problems name the file and line (INI) or line:col (YAML)', () => {
  test.each<[string, Record<string, string>, string[], string?]>([
    ['a bad value inherited from group_vars is reported where it is written', {
      hosts: '[b]\nh1\nh2\n', 'group_vars/b.yml': `linkdest:\n  ${SOURCES}\n  mount: sometimes\n`,
    }, ['D/group_vars/b.yml:3:10 linkdest.mount: expected one of automount, fstab, static']],
    ['a connection variable with a bad value', { hosts: `[b]\nh ansible_port=99999 linkdest="{'sources': ['/srv']}"\n` },
      ['D/hosts:2 ansible_port: expected a port 1-65535 (ssh.port)']],
    ['an unknown key in linkdest, with a suggestion', { hosts: '[b]\nh\n', 'host_vars/h.yml': `linkdest:\n  ${SOURCES}\n  mountpont: /mnt\n` },
      ['D/host_vars/h.yml:3:3 linkdest.mountpont: unknown key (did you mean "mountpoint"?)']],
    ['linkdest that is not a map, in INI', { hosts: '[b]\nh\n[b:vars]\nlinkdest=sources\n' },
      ['D/hosts:4 linkdest: expected a map with the same keys as a host in linkdest.yml (in an INI file write it in group_vars/ or host_vars/ as YAML)']],
    ['a backup host whose name linkdest cannot use', { hosts: `[b]\nfe80::1 linkdest="{'sources': ['/srv']}"\n` },
      ['D/hosts:2 host "fe80::1": a backup host\'s name is letters, digits, ".", "_" or "-"; name it so and set ansible_host']],
    ['a YAML inventory with a typo', { 'hosts.yml': 'all:\n  children:\n    b:\n      host:\n        h1:\n' },
      ['D/hosts.yml:4:7 group "b": unknown key "host" (did you mean "hosts"?)'], 'hosts.yml'],
    ['broken YAML in group_vars', { hosts: '[b]\nh\n', 'group_vars/b.yml': 'linkdest: {sources: [/srv]\n' },
      ['D/group_vars/b.yml:2:1 Flow map in block collection must be sufficiently indented and end with a }']],
    ['group_vars that is not a map', { hosts: '[b]\nh\n', 'group_vars/b.yml': '- a\n- b\n' },
      ['D/group_vars/b.yml:1:1 expected a map of variables (NAME: value)']],
    ['an ssh flag linkdest does not understand', { hosts: `[b]\nh ansible_ssh_extra_args="-F ./cfg" linkdest="{'sources': ['/srv']}"\n` },
      ['D/hosts:2 ansible_ssh_extra_args: ssh flag "-F" is not understood by linkdest (it keeps -J, -p, -l, -i and -o options)']],
    ['ansible_connection linkdest cannot use', { hosts: `[b]\nh ansible_connection=docker linkdest="{'sources': ['/srv']}"\n` },
      ['D/hosts:2 ansible_connection: linkdest connects by ssh or local, not "docker"']],
  ])('%s', async (_name, files, lines, main) => {
    expect(await problems(files, main)).toEqual(lines);
  });
});

describe('vault and templates are refused in one line, only where linkdest reads them', () => {
  const VAULT = '!vault |\n    $ANSIBLE_VAULT;1.1;AES256\n    62313365396662343061393464336163383764373764613633653634306231386433626436623361\n';

  test('a !vault value in linkdest settings', async () => {
    expect(await problems({ hosts: '[b]\nh\n', 'group_vars/b.yml': `linkdest:\n  ${SOURCES}\n  ssh:\n    user: ${VAULT.replaceAll('\n    ', '\n      ')}` }))
      .toEqual(['D/group_vars/b.yml:4:18 linkdest.ssh.user: encrypted with ansible-vault; linkdest does not decrypt ansible-vault: write this value in plain text; secrets go in password_file or password_env']);
  });

  test('a !vault connection variable', async () => {
    expect(await problems({ hosts: '[b]\nh\n', 'group_vars/b.yml': `linkdest: {${SOURCES}}\nansible_user: ${VAULT}` }))
      .toEqual(['D/group_vars/b.yml:2:22 ansible_user: encrypted with ansible-vault; linkdest does not decrypt ansible-vault: write this value in plain text; secrets go in password_file or password_env']);
  });

  test('an encrypted group_vars file read for a backup host', async () => {
    expect(await problems({ hosts: '[b]\nh\n', 'group_vars/b/plain.yml': `linkdest: {${SOURCES}}\n`, 'group_vars/b/vault.yml': '$ANSIBLE_VAULT;1.1;AES256\n6231\n' }))
      .toEqual(['D/group_vars/b/vault.yml:1 encrypted with ansible-vault and read for h: linkdest does not decrypt vault files; keep linkdest\'s variables in plain files, secrets in password_file or password_env']);
  });

  test('vault values and encrypted files of other hosts are left alone', async () => {
    const inv = await load({
      hosts: '[db]\ndb1\n[b]\nh\n', 'group_vars/db.yml': `db_password: ${VAULT}`, 'group_vars/db/x': '', 'host_vars/db1.yml': '$ANSIBLE_VAULT;1.1;AES256\n6231\n',
      'group_vars/b.yml': `linkdest: {${SOURCES}}\nunused_secret: ${VAULT}`,
    });
    expect(inv.hosts.map((h) => h.name)).toEqual(['h']);
  });

  test('a Jinja template where linkdest reads', async () => {
    expect(await problems({ hosts: '[b]\nh ansible_host="{{ inventory_hostname }}.lan"\n', 'group_vars/b.yml': `linkdest: {${SOURCES}}\n` }))
      .toEqual(['D/hosts:2 ansible_host: a Jinja template: linkdest does not evaluate templates, write the value itself']);
  });
});

describe('linkdest inventory show', () => {
  test('each host with its origin and groups; --host alone; --json', async () => {
    const inv = await load({
      'hosts.yml': 'all:\n  children:\n    backup:\n      hosts:\n        nas1: {ansible_host: 192.0.2.5}\n      vars:\n        linkdest:\n          sources: [/srv]\n          report: {mail: {to: a@b.c, from: l@b.c, smtp: {host: smtp, password_env: SMTP_PW}}}\n',
    }, 'hosts.yml');
    const text = showInventory(inv, {});
    expect(text).toMatch(/^# .*hosts\.yml:5:9, groups: backup\nnas1:\n {2}ssh:\n {4}host: 192\.0\.2\.5\n {2}sources:\n {4}- \/srv\n/);
    expect(text).toContain('password_env: SMTP_PW');
    expect(JSON.parse(showInventory(inv, { host: 'nas1', json: true }))).toEqual({
      ssh: { host: '192.0.2.5' }, sources: ['/srv'], report: { mail: { to: 'a@b.c', from: 'l@b.c', smtp: { host: 'smtp', password_env: 'SMTP_PW' } } },
    });
    expect(() => showInventory(inv, { host: 'nas2' })).toThrow('--host: no backup host "nas2"');
  });

  test('anything that looks like a secret is masked', () => {
    const inv: Inventory = { file: 'x', hosts: [{ name: 'h', groups: [], origin: 'x:1' } as never], groups: {}, settings: { h: { hooks: { pre: [['curl', '--password=hunter2']] } } } };
    expect(showInventory(inv, {})).not.toContain('hunter2');
  });
});

describe('examples/ansible (the worked example in docs/inventory.md)', () => {
  test('loads: the web hosts are left alone, marte and nas1 are backup hosts', async () => {
    const inv = await loadInventory(path.resolve('examples/ansible/hosts.ini'), { home: '/home/admin' });
    expect(inv.hosts.map((h) => [h.name, h.groups, h.ssh])).toEqual([
      ['nas1.example.net', ['backup', 'nas'], { host: '192.0.2.20', user: 'backup', jump: ['admin@bastion.example.net'] }],
      ['marte', ['backup', 'office'], { host: 'marte.lan', port: 2222, user: 'root', jump: ['admin@bastion.example.net'] }],
    ]);
    expect(inv.hosts[0]!.become).toBe(true);
    expect(inv.hosts[1]!.runtime.sources.map((s) => s.path)).toEqual(['/Apps', '/etc']);
    expect(inv.hosts[0]!.runtime.retention.keep_min).toBe(60);
  });
});

describe('linkdest inventory show on linkdest.yml', () => {
  test('inventory/example.yml: settings merged from defaults and groups, as written', async () => {
    const inv = await loadInventory(path.resolve('inventory/example.yml'), { home: '/home/admin' });
    const marte = JSON.parse(showInventory(inv, { host: 'marte', json: true })) as Record<string, unknown>;
    expect(marte).toMatchObject({ sources: ['/Apps'], vms: { domains: ['mailserver'] }, install_packages: true, retention: { keep_min: 30 } });
    expect(showInventory(inv, { limit: 'gentoo' })).toMatch(/^# .*example\.yml:\d+:\d+, groups: gentoo\nmarte:\n/);
  });
});
