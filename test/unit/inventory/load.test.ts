import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadInventory } from '../../../inventory/load.ts';
import { InventoryError } from '../../../inventory/errors.ts';
import { hostSettingsSchema, inventoryFileSchema } from '../../../inventory/schema.ts';
import { keysAt } from '../../../inventory/suggest.ts';
import type { z } from 'zod';

const root = path.resolve(import.meta.dirname, '../../..');

describe('loadInventory reads real files', () => {
  let dir: string;
  beforeAll(async () => { dir = await mkdtemp(path.join(os.tmpdir(), 'linkdest-inventory-')); });
  afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

  test('relative paths are resolved against the file, not the working directory', async () => {
    await mkdir(path.join(dir, 'site'));
    const file = path.join(dir, 'site', 'linkdest.yml');
    await writeFile(file, 'hosts:\n  h:\n    ssh: { known_hosts: known_hosts, identity: keys/id }\n    sources: [/a]\n');
    const inv = await loadInventory(file, { home: '/home/x' });
    expect(inv.file).toBe(file);
    expect(inv.hosts[0]!.ssh).toEqual({ host: 'h', known_hosts: path.join(dir, 'site', 'known_hosts'), identity: path.join(dir, 'site', 'keys', 'id') });
    expect(inv.hosts[0]!.origin).toBe(`${file}:2:3`);
  });

  test('errors name the file as the user gave it', async () => {
    const file = path.join(dir, 'bad.yml');
    await writeFile(file, 'hosts:\n  h:\n    sources: [/a]\n    mount: nfs\n');
    const rel = path.relative(process.cwd(), file);
    await expect(loadInventory(rel)).rejects.toThrow(`${rel}:4:12 hosts.h.mount: expected one of automount, fstab, static`);
  });

  test('a missing file is one line, exit code 1, no stack in the message', async () => {
    const file = path.join(dir, 'nope.yml');
    const err = await loadInventory(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InventoryError);
    expect((err as InventoryError).message).toBe(`${file}: not found (start from inventory/example.yml; keys in docs/inventory.md)`);
    expect((err as InventoryError).exitCode).toBe(1);
  });

  test('a directory is refused in one line', async () => {
    await expect(loadInventory(dir)).rejects.toThrow(`${dir}: cannot read: EISDIR`);
  });

  test.each([['empty', ''], ['a list', '- a\n- b\n']])('%s file', async (_n, text) => {
    const file = path.join(dir, `odd-${_n}.yml`);
    await writeFile(file, text);
    await expect(loadInventory(file)).rejects.toThrow(`${file}:1:1 expected a map with defaults:, groups: and hosts:`);
  });

  test('no hosts at all', async () => {
    const file = path.join(dir, 'nohosts.yml');
    await writeFile(file, 'defaults:\n  mountpoint: /mnt/b\nhosts: {}\n');
    await expect(loadInventory(file)).rejects.toThrow(`${file}:3:1 hosts: expected at least one host`);
  });
});

describe('inventory/example.yml', () => {
  test('loads cleanly with the seed setup: USB for marte, a QNAP LUN for nas-client', async () => {
    const inv = await loadInventory(path.join(root, 'inventory/example.yml'), { home: '/home/admin' });
    expect(inv.hosts.map((h) => h.name)).toEqual(['marte', 'nas-client']);
    const [marte, nas] = inv.hosts;
    expect(marte!.disk?.target).toEqual({ kind: 'usb', device: '/dev/disk/by-id/usb-WD_Elements_1234-0:0' });
    expect(marte!).toMatchObject({ mountpoint: '/mnt/Backup', marker: '.Disco_Backup_USB.txt', groups: ['gentoo'] });
    expect(marte!.runtime.sources.map((s) => s.path)).toEqual(['/Apps']);
    expect(marte!.runtime.vms.domains).toEqual(['mailserver']);
    expect(nas!.connection).toBe('local');
    expect(nas!.disk?.target).toMatchObject({ kind: 'iscsi', lun: 0, target: 'iqn.2004-04.com.qnap:ts-569pro:iscsi.backuprbme.d70ea1' });
    expect(nas!.smtp_password).toEqual({ password_file: '/home/admin/.secrets/smtp' });
  });
});

describe('docs/inventory.md', () => {
  function allKeys(schema: z.ZodType, at: PropertyKey[] = [], seen = new Set<string>()): Set<string> {
    for (const key of [...keysAt(schema, at), ...(at.length > 0 ? keysAt(schema, [...at, 0]) : [])]) {
      if (seen.has(`${at.join('.')}.${key}`)) continue;
      seen.add(`${at.join('.')}.${key}`);
      allKeys(schema, [...at, key], seen);
      allKeys(schema, [...at, 0, key], seen);
    }
    return new Set([...seen].map((k) => k.split('.').pop()!));
  }

  test('names every key a user may write', async () => {
    const doc = await readFile(path.join(root, 'docs/inventory.md'), 'utf8');
    const keys = [...allKeys(hostSettingsSchema), ...allKeys(inventoryFileSchema)];
    expect(keys.length).toBeGreaterThan(50);
    expect(keys.filter((k) => !doc.includes(k))).toEqual([]);
  });
});
