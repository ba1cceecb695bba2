/**
 * The webhook URL from linkdest.yml to the host, the way the SMTP password goes: the recipe
 * adds a 0600 secret file /etc/linkdest/webhook-url, linkdest.json names it, and the plan
 * (text and --json) says created / changed / in sync without ever showing the URL.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseInventory } from '../../../inventory/load.ts';
import type { HostSpec } from '../../../inventory/host-spec.ts';
import { buildRecipe, WEBHOOK_URL_PATH } from '../../../provision/recipe.ts';
import { CONFIG_PATH } from '../../../provision/resources/schedule.ts';
import type { Facts } from '../../../provision/facts/types.ts';
import type { Change } from '../../../provision/resources/resource.ts';
import { sha256 } from '../../../provision/resources/file.ts';
import { formatHostPlan } from '../../../provision/render/plan-text.ts';
import { fleetJson } from '../../../provision/render/json.ts';
import { makeFacts } from './make-facts.ts';

const TOKEN = 'T0KENb7f3a9';
const URL_TEXT = `https://hooks.slack.com/services/T000/B000/${TOKEN}?x=${TOKEN}q`;
const ENV = `LINKDEST_TEST_WEBHOOK_${process.pid}`;

function hostWith(webhook: string, dir: string): HostSpec {
  const text = `hosts:\n  h:\n    connection: local\n    sources: [/Apps]\n    report:\n      webhook: ${webhook}\n`;
  return parseInventory(text, 'linkdest.yml', { dir, home: '/home/admin' }).hosts[0]!;
}

/** What `linkdest plan` would print for the recipe's file resources, text and --json. */
function plan(spec: HostSpec, facts: Facts): { changes: Change[]; text: string; json: string } {
  const { resources } = buildRecipe(spec, { runtimeBundle: Buffer.from('bundle') });
  const files = resources.filter((r) => r.id === `file:${CONFIG_PATH}` || r.id === `file:${WEBHOOK_URL_PATH}`);
  const changes = files.flatMap((r) => r.check(facts));
  return {
    changes,
    text: formatHostPlan(spec.name, changes),
    json: fleetJson('plan', 2, [{ host: spec.name, status: 'changed', durationMs: 1, changes }]),
  };
}

const secretFact = (content: string) => ({ exists: true, type: 'file' as const, mode: 0o600, owner: 'root', group: 'root', size: content.length, sha256: sha256(content) });

describe('webhook URL: secret file on the host, named by linkdest.json', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'linkdest-webhook-recipe-'));
    writeFileSync(join(dir, 'webhook-url'), `${URL_TEXT}\n`, { mode: 0o600 });
    process.env[ENV] = URL_TEXT;
  });
  afterAll(() => {
    delete process.env[ENV];
    rmSync(dir, { recursive: true, force: true });
  });

  test.each([
    ['url_file', '{ url_file: webhook-url, when: always }'],
    ['url_env', `{ url_env: ${ENV}, when: always }`],
  ])('%s: the recipe adds the 0600 file after linkdest.json, which names it', (_name, webhook) => {
    const spec = hostWith(webhook, dir);
    const { resources, config } = buildRecipe(spec, { runtimeBundle: Buffer.from('bundle') });
    expect(config.report.webhook).toEqual({ url_file: WEBHOOK_URL_PATH, when: 'always', timeout_s: 10 });
    const ids = resources.map((r) => r.id);
    expect(ids.indexOf(`file:${WEBHOOK_URL_PATH}`)).toBeGreaterThan(ids.indexOf(`file:${CONFIG_PATH}`));
    const { changes, text, json } = plan(spec, makeFacts());
    const secret = changes.find((c) => c.resource === `file:${WEBHOOK_URL_PATH}`)!;
    expect(secret).toMatchObject({ action: 'create', summary: `create ${WEBHOOK_URL_PATH} (mode 0600)`, diff: { after: '********\n' } });
    expect(text).toContain(`"url_file": "${WEBHOOK_URL_PATH}"`);
    for (const shown of [text, json]) expect(shown).not.toContain(TOKEN);
  });

  test('in sync when the host holds the same URL; changed, masked, when it holds another', () => {
    const spec = hostWith(`{ url_env: ${ENV} }`, dir);
    const { config } = buildRecipe(spec, { runtimeBundle: Buffer.from('bundle') });
    const configFact = { ...secretFact(''), sha256: sha256(`${JSON.stringify(config, null, 2)}\n`) };
    const same = plan(spec, makeFacts({ files: { [CONFIG_PATH]: configFact, [WEBHOOK_URL_PATH]: secretFact(URL_TEXT) } }));
    expect(same.changes).toEqual([]);
    expect(same.text).toBe('h: in sync');

    const old = `https://hooks.slack.com/services/T000/B000/OLDT0KEN`;
    const other = plan(spec, makeFacts({ files: { [CONFIG_PATH]: configFact, [WEBHOOK_URL_PATH]: secretFact(old) } }));
    expect(other.changes).toMatchObject([{ action: 'update', summary: `update ${WEBHOOK_URL_PATH}`, diff: { before: '********\n', after: '********\n' } }]);
    for (const shown of [other.text, other.json]) {
      expect(shown).toContain(WEBHOOK_URL_PATH);
      expect(shown).not.toContain(TOKEN);
      expect(shown).not.toContain('OLDT0KEN');
    }
  });

  test('an unset variable is one line naming the host and the variable, not a value', () => {
    const spec = hostWith('{ url_env: LINKDEST_TEST_WEBHOOK_UNSET }', dir);
    expect(() => plan(spec, makeFacts())).toThrow(/^host h: webhook url: environment variable LINKDEST_TEST_WEBHOOK_UNSET is not set$/);
  });

  test('no webhook: no secret file', () => {
    const spec = parseInventory('hosts:\n  h: { connection: local, sources: [/Apps] }\n', 'linkdest.yml', { dir, home: '/home/admin' }).hosts[0]!;
    expect(buildRecipe(spec, { runtimeBundle: Buffer.from('') }).resources.map((r) => r.id)).not.toContain(`file:${WEBHOOK_URL_PATH}`);
  });
});
