/**
 * contrib/: the Prometheus alert rules pass `promtool check rules`, and every linkdest metric
 * the rules and the Grafana dashboard name is one a real run writes: a real backup runs with
 * report.metrics_file, its textfile passes `promtool check metrics`, and the names are read
 * from it (not from a list kept here), so renaming a metric in runtime/report/metrics.ts
 * without updating contrib/ fails this test.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runNightly } from '../../../runtime/run.ts';
import { commandNote } from '../../support/needs.ts';
import { runConfig } from '../runtime/support/run-config.ts';

const root = join(import.meta.dirname, '../../..');
const RULES = join(root, 'contrib/prometheus/linkdest-rules.yml');
const DASHBOARD = join(root, 'contrib/grafana/linkdest-dashboard.json');
const note = commandNote('promtool', 'rsync');

/** Every PromQL expression in a parsed rules file or dashboard: values of `expr`, `query`, `definition`. */
function expressions(value: unknown, key = ''): string[] {
  if (typeof value === 'string') return ['expr', 'query', 'definition'].includes(key) ? [value] : [];
  if (Array.isArray(value)) return value.flatMap((v) => expressions(v, key));
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => expressions(v, k));
  return [];
}

const referenced = (exprs: string[]): Set<string> => new Set(exprs.flatMap((e) => e.match(/\blinkdest_[a-z0-9_]+/g) ?? []));

describe(`contrib/ Prometheus rules and Grafana dashboard against a real run's metrics${note}`, () => {
  let work: string;
  let textfile: string;
  let written: Set<string>;
  beforeAll(async () => {
    if (note) return;
    work = mkdtempSync(join(tmpdir(), 'linkdest-contrib-'));
    mkdirSync(join(work, 'src'));
    writeFileSync(join(work, 'src/file'), 'data\n');
    mkdirSync(join(work, 'dest'));
    writeFileSync(join(work, 'dest/.linkdest-backup'), '');
    const metrics = join(work, 'linkdest.prom');
    const cfg = runConfig(work, join(work, 'dest'), [join(work, 'src')], { report: { metrics_file: metrics } });
    // Two runs: the second one links, prunes nothing, and carries the success time over.
    for (let i = 0; i < 2; i++) expect((await runNightly(cfg)).status).toBe('ok');
    textfile = readFileSync(metrics, 'utf8');
    written = new Set([...textfile.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!));
  });
  afterAll(() => { if (work) rmSync(work, { recursive: true, force: true }); });

  test.skipIf(note !== '')('the textfile a real run writes passes promtool check metrics', () => {
    expect(written.size).toBeGreaterThan(10);
    const r = spawnSync('promtool', ['check', 'metrics'], { input: textfile, encoding: 'utf8' });
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
  });

  test.skipIf(note !== '')('the alert rules pass promtool check rules', () => {
    const r = spawnSync('promtool', ['check', 'rules', RULES], { encoding: 'utf8' });
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/SUCCESS: \d+ rules found/);
  });

  test.skipIf(note !== '').each([
    ['alert rules', RULES, (t: string): unknown => parse(t)],
    ['Grafana dashboard', DASHBOARD, (t: string): unknown => JSON.parse(t)],
  ])('every metric the %s name is one the run wrote', (_what, file, load) => {
    const names = referenced(expressions(load(readFileSync(file, 'utf8'))));
    expect(names.size).toBeGreaterThan(3);
    expect([...names].filter((n) => !written.has(n))).toEqual([]);
  });
});
