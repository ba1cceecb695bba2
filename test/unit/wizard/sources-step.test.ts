/**
 * What `linkdest init` backs up when not told: the suggested directories found on the
 * host (all but /home and /opt preselected), and with --yes never an empty choice: a host
 * with nothing preselected needs --source.
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { parse } from 'yaml';
import { runInit } from '../../../provision/wizard/flow.ts';
import { harness, workdir } from './fixtures.ts';

let dir: string;
beforeEach(async () => { dir = await workdir(); });
afterEach(async () => { await rm(dir, { recursive: true, force: true }); });
const opts = (sources?: string[]) => ({ inventory: join(dir, 'linkdest.yml'), mountpoint: '/mnt/Backup', ...(sources && { sources }) });
const presets = { host: 'marte.lan', disk: '/dev/disk/by-id/usb-WD_Elements_WX11-0:0' };

test('--yes: the suggested directories found, /home and /opt left out', async () => {
  const h = harness({}, { dirs: [{ path: '/srv', bytes: 1 }, { path: '/home', bytes: 1 }, { path: '/etc', bytes: 1 }] }, presets, true);
  expect(await runInit(opts(), h.deps)).toBe(0);
  expect(parse(await readFile(join(dir, 'linkdest.yml'), 'utf8')).hosts.marte.sources).toEqual(['/srv', '/etc']);
});

test.each([
  { what: 'none of the suggested directories', dirs: [] },
  { what: 'only /home', dirs: [{ path: '/home', bytes: 1 }] },
])('--yes on a host with $what needs --source (instead of asking forever)', async ({ dirs }) => {
  const h = harness({}, { dirs }, presets, true);
  await expect(runInit(opts(), h.deps)).rejects.toThrow(/^--source is required with --yes \(Other paths, separated by spaces/);
});

test('--source skips the question', async () => {
  const h = harness({}, { dirs: [] }, presets, true);
  expect(await runInit(opts(['/data', 'db1:/var/lib/db']), h.deps)).toBe(0);
  expect(parse(await readFile(join(dir, 'linkdest.yml'), 'utf8')).hosts.marte.sources).toEqual(['/data', 'db1:/var/lib/db']);
});
