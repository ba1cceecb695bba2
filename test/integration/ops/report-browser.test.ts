/**
 * `linkdest report --html` from real runs on test bed hosts, opened in a real headless
 * browser (playwright-core driving Debian's chromium): it renders, each chart of the host
 * with three snapshots has its three data points, no console error, no request leaves the
 * file, the host that failed without ever writing a snapshot (stale) is at the top, the
 * unreachable host is a row that says so, and a hostile source path in the failure reason
 * shows as text (no element, no alert).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startHosts, type TestHost, type Testbed } from '../../testbed/index.ts';
import { SMALL_DISK_RETENTION, Workdir, e2eUnavailable, runCli, sshOf, suiteTitle } from '../provision-e2e/bed.ts';
import { INSTALLED_RUNTIME } from '../../../provision/ops/remote.ts';
import { runNow } from '../../../provision/commands/run.ts';
import { runReport } from '../../../provision/commands/report.ts';

const CHROMIUM = '/usr/bin/chromium';
const reason = e2eUnavailable() ?? (existsSync(CHROMIUM) ? undefined : 'needs Debian\'s chromium package');
const HOSTILE = '/srv/<img src=x onerror=alert(1)><script>alert(2)</script>';

describe.skipIf(reason !== undefined)(suiteTitle('report --html from real runs, in a headless browser', reason), () => {
  let bed: Testbed;
  let good: TestHost;
  let bad: TestHost;
  let work: Workdir;
  let inv = '';
  let browser: Browser;
  const quiet = (): void => {};

  beforeAll(async () => {
    work = await Workdir.create('report');
    bed = await startHosts(2);
    [good, bad] = bed.hosts as [TestHost, TestHost];
    const entry = async (h: TestHost, source: string): Promise<Record<string, unknown>> => {
      const disk = await h.attachDisk(128 * 1024 * 1024);
      await h.check(['mkdir', '-p', source]);
      await h.check(['sh', '-c', 'echo hello > "$1/hello.txt"', 'sh', source]);
      return { ssh: sshOf(h), disk: { usb: { device: disk.device }, label: 'reportdisk' }, mountpoint: '/mnt/Backup', sources: [source], retention: SMALL_DISK_RETENTION };
    };
    const hosts: Record<string, unknown> = { [good.name]: await entry(good, '/srv/data'), [bad.name]: await entry(bad, HOSTILE) };
    hosts.gone = { sources: ['/srv/data'], ssh: { host: '127.0.0.1', port: 9, user: 'root', identity: good.ssh.identity, known_hosts: good.ssh.known_hosts } };
    inv = await work.inventory({ hosts });
    const r = await runCli(['apply', '--yes', '--limit', `${good.name},${bad.name}`, '-i', inv], { timeoutMs: 300_000 });
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    // Three real runs with new data each time on one host; the other fails (its source is gone).
    for (let i = 0; i < 3; i++) {
      await good.check(['sh', '-c', 'head -c $(( ($1 + 1) * 200000 )) /dev/urandom > "/srv/data/new-$1"', 'sh', String(i)]);
      expect(await runNow([good.name], { inventory: inv, wait: true }, { runtime: INSTALLED_RUNTIME, write: quiet, pollMs: 300 })).toBe(0);
      // Snapshot names have a one-second resolution.
      await new Promise((res) => setTimeout(res, 1100));
    }
    await bad.check(['rm', '-rf', HOSTILE]);
    expect(await runNow([bad.name], { inventory: inv, wait: true }, { runtime: INSTALLED_RUNTIME, write: quiet, pollMs: 300 })).toBe(1);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  }, 900_000);

  afterAll(async () => {
    await browser?.close();
    await bed?.stop();
    await work?.remove();
  });

  test('renders offline with charts, problems first, hostile text as text', async () => {
    const file = join(work.dir, 'fleet.html');
    const rows = await runReport({ html: file, inventory: inv, maxAge: '26h', snapshots: 30 }, { runtime: INSTALLED_RUNTIME, write: quiet });
    expect(rows.map((r) => r.row.host)).toEqual([bad.name, 'gone', good.name]);

    const page = await browser.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    let dialogs = 0;
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('request', (r) => requests.push(r.url()));
    page.on('dialog', (d) => { dialogs++; void d.dismiss(); });
    const url = pathToFileURL(file).href;
    await page.goto(url);

    const hostRows = page.locator('tr.host');
    expect(await hostRows.count()).toBe(3);
    const top = hostRows.nth(0);
    expect(await top.getAttribute('data-host')).toBe(bad.name);
    expect(await top.getAttribute('data-stale')).toBe('true');
    expect(await top.locator('td.result').innerText()).toMatch(/failed\s*STALE/);
    // The hostile path is in the failure reason as text; it made no element.
    expect(await top.locator('td.detail').innerText()).toContain('<script>alert(2)</script>');
    expect(await page.locator('td.detail img, td.detail script').count()).toBe(0);

    const gone = hostRows.nth(1);
    expect(await gone.locator('td.result').innerText()).toMatch(/unreachable/);
    expect(await gone.locator('td.detail').innerText()).toMatch(/ECONNREFUSED|refused/i);

    const ok = hostRows.nth(2);
    expect(await ok.locator('td.result').innerText()).toBe('ok');
    expect(await ok.locator('td.count').innerText()).toBe('3');
    const charts = ok.locator('figure.chart');
    expect(await charts.count()).toBe(4);
    for (let i = 0; i < 4; i++) {
      const chart = charts.nth(i);
      const what = await chart.locator('figcaption').innerText();
      expect(await chart.locator('svg circle.point').count(), what).toBe(3);
      const box = await chart.locator('svg').boundingBox();
      expect(box?.width, what).toBeGreaterThan(50);
    }
    // Space added grows with the data written before each run (200 kB, 400 kB, 600 kB).
    const added = await charts.nth(1).locator('circle.point').evaluateAll((cs) => cs.map((c) => Number(c.getAttribute('cy'))));
    expect(added[0]).toBeGreaterThan(added[2]!);

    expect(errors).toEqual([]);
    expect(dialogs).toBe(0);
    expect(requests).toEqual([url]);
    await page.close();
  });
});
