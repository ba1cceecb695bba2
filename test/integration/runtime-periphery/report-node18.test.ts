/**
 * The report half of the runtime as it runs on a Debian 12 backup host: bundled by esbuild
 * into one file, executed by the host's Node 18 (global fetch, nodemailer bundled), talking
 * to an SMTP and an HTTP server the test runs on the test bed's gateway address.
 */
import { createServer, type Server } from 'node:http';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { hasCommand, isRoot, rootNote } from '../../support/needs.ts';
import { startHosts, startSmtp, type SmtpServer, type Testbed, type TestHost } from '../../testbed/index.ts';

describe.skipIf(!isRoot || !hasCommand('systemd-nspawn'))(`report from a Node 18 host (bundled runtime code)${rootNote()}`, () => {
  let bed: Testbed;
  let host: TestHost;
  let smtp: SmtpServer;
  let http: Server;
  const pings: string[] = [];

  beforeAll(async () => {
    bed = await startHosts(1);
    host = bed.hosts[0]!;
    smtp = await startSmtp({ alsoOn: [bed.gateway], auth: { user: 'backup', pass: 'pw-from-file' } });
    http = createServer((req, res) => { pings.push(`${req.method} ${req.url}`); res.end('OK'); });
    await new Promise<void>((r) => http.listen(0, bed.gateway, () => r()));
    await build({
      entryPoints: [join(import.meta.dirname, 'support', 'report-entry.ts')],
      outfile: join(host.root, 'root', 'report.mjs'),
      bundle: true, platform: 'node', target: 'node18', format: 'esm', logLevel: 'warning',
      banner: { js: "import { createRequire as __ldCreateRequire } from 'node:module'; const require = __ldCreateRequire(import.meta.url);" },
    });
  });
  afterAll(async () => {
    await smtp?.close();
    if (http) { http.closeAllConnections(); await new Promise((r) => http.close(r)); }
    await bed?.stop();
  });

  test('healthcheck start and success, mail with AUTH, metrics file: all from Node 18', async () => {
    const port = smtp.listening.find((l) => l.host === bed.gateway)!.port;
    const hc = `http://${bed.gateway}:${(http.address() as { port: number }).port}/ping/uuid`;
    await host.check(['mkdir', '-p', '/etc/linkdest', '/var/lib/node_exporter']);
    await writeFile(join(host.root, 'etc/linkdest/smtp-password'), 'pw-from-file\n', { mode: 0o600 });
    await writeFile(join(host.root, 'etc/linkdest/linkdest.json'), JSON.stringify({
      destination: { path: '/mnt/Backup' }, sources: [{ path: '/srv' }], state_dir: '/var/lib/linkdest',
      report: {
        healthcheck_url: hc, metrics_file: '/var/lib/node_exporter/linkdest.prom',
        mail: { to: ['admin@example.test'], from: 'linkdest@host1.test', style: 'report',
          smtp: { host: bed.gateway, port, security: 'none', user: 'backup', password_file: '/etc/linkdest/smtp-password' } },
      },
    }));
    const r = await host.exec(['node', '/root/report.mjs', '/etc/linkdest/linkdest.json']);
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as { node: string; log: string[] };
    expect(out.node).toMatch(/^v18\./);
    expect(out.log.filter((l) => !l.startsWith('info'))).toEqual([]);
    expect(pings).toEqual(['POST /ping/uuid/start', 'POST /ping/uuid']);
    expect(smtp.messages).toHaveLength(1);
    expect(smtp.messages[0]).toMatchObject({ user: 'backup', to: ['admin@example.test'] });
    expect(smtp.messages[0]!.raw).toContain('Subject: linkdest gentoo Apps: WARNING (2026-11-26 03:00)');
    expect(await readFile(join(host.root, 'var/lib/node_exporter/linkdest.prom'), 'utf8'))
      .toContain('linkdest_last_run_status{name="Apps",status="warning"} 1\n');
  });
});
