/**
 * `spot` and `shrink` in linkdest.yml: defaults, shorthands and bad values (one line with
 * file:line:col), and the settings reaching the host's /etc/linkdest/linkdest.json as the
 * recipe writes it (what `linkdest plan` would install).
 */
import { describe, expect, test } from 'vitest';
import { buildRecipe } from '../../../provision/recipe.ts';
import { CONFIG_PATH } from '../../../provision/resources/schedule.ts';
import { formatHostPlan } from '../../../provision/render/plan-text.ts';
import { makeFacts } from '../provision/make-facts.ts';
import { parse, problems, yml } from './helpers.ts';

const host = (extra: string) => parse(yml`
  hosts:
    h:
      connection: local
      sources: [/a]
${extra}`).hosts[0]!;

/** The runtime config the recipe installs, and what `linkdest plan` shows of that file for a new host. */
function installedConfig(extra: string): { spot: unknown; shrink: unknown; plan: string } {
  const spec = host(extra);
  const { resources, config } = buildRecipe(spec, { runtimeBundle: Buffer.from('bundle') });
  const changes = resources.filter((r) => r.id === `file:${CONFIG_PATH}`).flatMap((r) => r.check(makeFacts()));
  return { spot: config.spot, shrink: config.shrink, plan: formatHostPlan(spec.name, changes) };
}

describe('spot and shrink reach the host config', () => {
  test.each<[string, string, unknown, unknown]>([
    ['defaults: spot check off (1 % sampled, 2 % count tolerance once on); shrink 50 %', '',
      { enabled: false, sample_pct: 1, count_tolerance_pct: 2 }, { max_pct: 50 }],
    ['spot: true turns it on with the defaults', '      spot: true',
      { enabled: true, sample_pct: 1, count_tolerance_pct: 2 }, { max_pct: 50 }],
    ['spot: false turns it off', '      spot: false',
      { enabled: false, sample_pct: 1, count_tolerance_pct: 2 }, { max_pct: 50 }],
    ['every field set', '      spot: { sample_pct: 5, count_tolerance_pct: 0.5 }\n      shrink: { max_pct: 30 }',
      { enabled: true, sample_pct: 5, count_tolerance_pct: 0.5 }, { max_pct: 30 }],
  ])('%s', (_t, extra, spot, shrink) => {
    const cfg = installedConfig(extra);
    expect(cfg.spot).toEqual(spot);
    expect(cfg.shrink).toEqual(shrink);
    // The file the plan would create carries them as written on the host.
    expect(cfg.plan).toContain(`create ${CONFIG_PATH}`);
    expect(cfg.plan).toContain(`"sample_pct": ${(spot as { sample_pct: number }).sample_pct}`);
    expect(cfg.plan).toContain(`"max_pct": ${(shrink as { max_pct: number }).max_pct}`);
  });
});

describe('bad spot and shrink settings: one line with line:col', () => {
  test.each([
    ['a sample above 100 %', 'spot: { sample_pct: 150 }', '4:25', 'spot.sample_pct: expected a percentage from 0 to 100'],
    ['a tolerance as text', 'spot: { count_tolerance_pct: lots }', '4:34', 'spot.count_tolerance_pct: expected a percentage'],
    ['an unknown key', 'spot: { sample: 5 }', '4:13', 'hosts.h.spot.sample: unknown key (expected one of: enabled, sample_pct, count_tolerance_pct)'],
    ['spot as a number', 'spot: 5', '4:11', 'spot: expected true, false or {enabled, sample_pct, count_tolerance_pct}'],
    ['a shrink threshold of 0', 'shrink: { max_pct: 0 }', '4:24', 'shrink.max_pct: expected a percentage above 0'],
  ])('%s', (_t, extra, position, fragment) => {
    const lines = problems(`hosts:\n  h:\n    sources: [/a]\n    ${extra}\n`);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^linkdest\\.yml:${position} `));
    expect(lines[0]).toContain(fragment);
  });
});
