import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe } from 'vitest';
import { LocalTransport } from '../../../provision/transport/local.ts';
import { transportBehaviours } from './behaviours.ts';

describe('LocalTransport (execa, no shell)', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'linkdest-local-'));
  const transport = new LocalTransport({ name: 'localhost' });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));
  transportBehaviours(() => ({ transport, scratch }));
});
