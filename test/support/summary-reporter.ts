/**
 * Prints one plain closing line, `tests: N passed, N failed, N skipped`, after vitest's
 * own summary: a line any CI log reader understands without knowing vitest's format.
 */
import type { Reporter } from 'vitest/reporters';
import type { RunnerTask, RunnerTestFile } from 'vitest';

function count(tasks: readonly RunnerTask[], into: { passed: number; failed: number; skipped: number }): void {
  for (const t of tasks) {
    if (t.type === 'suite') {
      count(t.tasks, into);
      if (t.result?.state === 'fail' && t.tasks.length === 0) into.failed++;
      continue;
    }
    const state = t.result?.state;
    if (state === 'pass') into.passed++;
    else if (state === 'fail') into.failed++;
    else into.skipped++;
  }
}

export default class SummaryReporter implements Reporter {
  onFinished(files: RunnerTestFile[] = [], errors: unknown[] = []): void {
    const c = { passed: 0, failed: 0, skipped: 0 };
    for (const f of files) {
      count(f.tasks, c);
      // A file that failed to load has no tasks but must count as a failure.
      if (f.result?.state === 'fail' && f.tasks.length === 0) c.failed++;
    }
    c.failed += errors.length;
    process.stdout.write(`\ntests: ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped\n`);
  }
}
