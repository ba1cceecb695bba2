/**
 * The webhook from the runtime as shipped (runtime/cli.ts bundled by esbuild for Node 18)
 * on a Debian 12 test-bed host with its own Node 18: global fetch posts the run and prints
 * nothing on stderr (no ExperimentalWarning), and an HTTP 500 is a warning, exit code 0.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { hasCommand, isRoot, rootNote } from '../../support/needs.ts';
import { startHosts, type Testbed, type TestHost } from '../../testbed/index.ts';

const root = join(import.meta.dirname, '../../..');
const TOKEN = 'T0KEN18d41c';

describe.skipIf(!isRoot || !hasCommand('systemd-nspawn'))(`webhook from a Node 18 host (bundled runtime)${rootNote()}`, () => {
  let bed: Testbed;
  let host: TestHost;
  let http: Server;
  let answer = 204;
  const received: { url: string; type: string; body: { text: string; status: string } }[] = [];

  beforeAll(async () => {
    bed = await startHosts(1);
    host = bed.hosts[0]!;
    http = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => { body += c.toString(); });
      req.on('end', () => {
        received.push({ url: req.url ?? '', type: req.headers['content-type'] ?? '', body: JSON.parse(body) as { text: string; status: string } });
        res.writeHead(answer).end();
      });
    });
    await new Promise<void>((r) => http.listen(0, bed.gateway, () => r()));
    const { version } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { version: string };
    await build({
      entryPoints: [join(root, 'runtime/cli.ts')],
      outfile: join(host.root, 'root/linkdest-runtime.mjs'),
      bundle: true, platform: 'node', target: 'node18', format: 'esm', logLevel: 'warning',
      define: { LINKDEST_VERSION: JSON.stringify(version) },
      banner: { js: "import { createRequire as __ldCreateRequire } from 'node:module'; const require = __ldCreateRequire(import.meta.url);" },
    });
    await host.check(['mkdir', '-p', '/srv/data', '/mnt/backup', '/etc/linkdest']);
    await host.check(['touch', '/mnt/backup/.linkdest-backup']);
    await writeFile(join(host.root, 'srv/data/a.txt'), 'a\n');
    const port = (http.address() as AddressInfo).port;
    await writeFile(join(host.root, 'etc/linkdest/webhook-url'), `http://${bed.gateway}:${port}/hooks/${TOKEN}\n`, { mode: 0o600 });
    await writeFile(join(host.root, 'etc/linkdest/linkdest.json'), JSON.stringify({
      name: 'host1', destination: { path: '/mnt/backup' }, sources: [{ path: '/srv/data' }],
      retention: { keep_min: 3, min_free_before: 0, min_free_after: 0, min_inodes_before: 0, min_inodes_after: 0 },
      report: { webhook: { url_file: '/etc/linkdest/webhook-url', when: 'always', timeout_s: 5 } },
    }));
  });
  afterAll(async () => {
    if (http) { http.closeAllConnections(); await new Promise((r) => http.close(r)); }
    await bed?.stop();
  });

  const run = () => host.exec(['node', '/root/linkdest-runtime.mjs', '--config', '/etc/linkdest/linkdest.json', 'run']);

  test('posted with Node 18\'s fetch, nothing on stderr; a 500 is a warning and exit 0', async () => {
    expect((await host.check(['node', '--version'])).stdout.trim()).toMatch(/^v18\./);
    const ok = await run();
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stderr).toBe('');
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ url: `/hooks/${TOKEN}`, type: 'application/json', body: { status: 'ok' } });
    expect(received[0]!.body.text).toMatch(/^Backup host1 on \S+: ok\. Snapshot /);

    answer = 500;
    const failed = await run();
    expect(failed.code, failed.stdout + failed.stderr).toBe(0);
    expect(failed.stderr).toBe('');
    expect(failed.stdout).toContain(`warn: webhook: HTTP 500 (http://${bed.gateway}:${(http.address() as AddressInfo).port})`);
    const record = (await host.check(['cat', '/var/lib/linkdest/last-run.json'])).stdout;
    const logs = (await host.check(['sh', '-c', 'cat /var/log/linkdest/*.log'])).stdout;
    for (const text of [failed.stdout, record, logs]) expect(text).not.toContain(TOKEN);
  });
});
