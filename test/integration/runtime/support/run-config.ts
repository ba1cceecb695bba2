/**
 * A runtime config for tests: one work dir holding state and logs, the destination given,
 * retention that prunes nothing unless the test asks, and the marker `.linkdest-backup`.
 */
import { join } from 'node:path';
import { parseRuntimeConfig, type RuntimeConfig, type RuntimeConfigInput } from '../../../../runtime/config.ts';

type SourceInput = RuntimeConfigInput['sources'][number];

export function runConfig(work: string, dest: string, sources: (string | SourceInput)[], over: Partial<RuntimeConfigInput> = {}): RuntimeConfig {
  return parseRuntimeConfig(runConfigInput(work, dest, sources, over));
}

/** The same config as the JSON a host's linkdest.json holds (for runs of the bundle). */
export function runConfigInput(work: string, dest: string, sources: (string | SourceInput)[], over: Partial<RuntimeConfigInput> = {}): RuntimeConfigInput {
  return {
    name: 'set',
    destination: { path: dest, marker: '.linkdest-backup' },
    sources: sources.map((s) => (typeof s === 'string' ? { path: s } : s)),
    retention: { keep_min: 1, min_free_before: 0, min_free_after: 0, min_inodes_before: 0, min_inodes_after: 0 },
    log: { dir: join(work, 'log'), keep: 10 },
    state_dir: join(work, 'state'),
    ...over,
  };
}
