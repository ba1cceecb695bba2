/**
 * healthcheck_url carries its token in the path (healthchecks.io: the check's UUID). The
 * plan of linkdest.json shows the change, text and --json, without the token on either side.
 */
import { describe, expect, test } from 'vitest';
import { parseInventory } from '../../../inventory/load.ts';
import { buildRecipe } from '../../../provision/recipe.ts';
import { CONFIG_PATH } from '../../../provision/resources/schedule.ts';
import { formatHostPlan } from '../../../provision/render/plan-text.ts';
import { fleetJson } from '../../../provision/render/json.ts';
import { fileFact, makeFacts } from './make-facts.ts';

const NEW = '0b3e7a7c-1f2d-4c8e-9a55-3c7d2f1e9b10';
const OLD = 'd41d8cd9-8f00-4b20-9e80-0998ecf8427e';

function configPlan(url: string, onHost: string | undefined): { text: string; json: string } {
  const text = `hosts:\n  h:\n    connection: local\n    sources: [/Apps]\n    report: { healthcheck_url: "${url}" }\n`;
  const spec = parseInventory(text, 'linkdest.yml', { dir: '/srv/inv', home: '/home/admin' }).hosts[0]!;
  const config = buildRecipe(spec, { runtimeBundle: Buffer.from('') }).resources.find((r) => r.id === `file:${CONFIG_PATH}`)!;
  const facts = makeFacts({ files: onHost === undefined ? {} : { [CONFIG_PATH]: fileFact(onHost, 0o600) } });
  const changes = config.check(facts);
  expect(changes).toHaveLength(1);
  return {
    text: formatHostPlan('h', changes),
    json: fleetJson('plan', 2, [{ host: 'h', status: 'changed', durationMs: 1, changes }]),
  };
}

describe('plan diffs never show a healthcheck token', () => {
  test('create: the URL is shown as scheme and host only', () => {
    const p = configPlan(`https://hc-ping.com/${NEW}`, undefined);
    for (const shown of [p.text, p.json]) {
      expect(shown).not.toContain(NEW);
      expect(shown).toContain('https://hc-ping.com/********');
    }
    expect(p.text).toContain('+  "report": {');
    expect(p.text).toContain('"healthcheck_url": "https://hc-ping.com/********"');
  });

  test('update from another token: the change is planned, neither token is shown', () => {
    const before = `{\n  "report": {\n    "healthcheck_url": "https://hc-ping.com/${OLD}"\n  }\n}\n`;
    const p = configPlan(`https://hc-ping.com/${NEW}`, before);
    for (const shown of [p.text, p.json]) {
      expect(shown).not.toContain(NEW);
      expect(shown).not.toContain(OLD);
    }
    expect(p.json).toContain('https://hc-ping.com/********');
  });
});
