/**
 * For tests of the manifest's walk and merge: a fresh work directory per test (or per
 * generated case), removed after it with the test hooks the test set (test-points.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { setManifestStatHook, setMergeAheadHooks } from '../../../../runtime/test-points.ts';
import { workBase } from './engine-fuzz.ts';

export class ManifestTestWork {
  private current: string | undefined;

  constructor() {
    afterEach(() => this.clear());
  }

  /** A new directory (the previous one removed; the test hooks are left as the test set them); its path. */
  fresh(prefix: string): string {
    if (this.current) rmSync(this.current, { recursive: true, force: true });
    this.current = mkdtempSync(join(workBase(), prefix));
    return this.current;
  }

  get dir(): string {
    if (!this.current) throw new Error('no work directory yet');
    return this.current;
  }

  clear(): void {
    setMergeAheadHooks(undefined);
    setManifestStatHook(undefined);
    if (this.current) rmSync(this.current, { recursive: true, force: true });
    this.current = undefined;
  }
}
