import { describe, expect, test } from 'vitest';
import { lastLine, run } from '../../../runtime/exec.ts';

describe('run: argv only, C locale', () => {
  test('LC_ALL=C overrides the caller environment', async () => {
    const r = await run(['env'], { env: { LC_ALL: 'es_ES.UTF-8', LANG: 'es_ES.UTF-8' } });
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')).toEqual(expect.arrayContaining(['LC_ALL=C', 'LANG=C']));
  });

  test('arguments reach the program unchanged (no shell in between)', async () => {
    const r = await run(['printf', '%s|', 'a b', '$(id)', "'q'"]);
    expect(r.stdout).toBe("a b|$(id)|'q'|");
  });

  test('a failing program gives its code and stderr, no exception', async () => {
    const r = await run(['ls', '/nonexistent-linkdest-path']);
    expect(r.code).not.toBe(0);
    expect(lastLine(r)).toContain('/nonexistent-linkdest-path');
  });

  test('a missing program gives 127 and says so', async () => {
    const r = await run(['linkdest-no-such-program']);
    expect(r.code).toBe(127);
    expect(lastLine(r)).toBe('linkdest-no-such-program: command not found');
  });

  test('a program that hangs is killed at the timeout', async () => {
    const r = await run(['sleep', '30'], { timeoutMs: 200 });
    expect(r.code).toBe(-1);
    expect(lastLine(r)).toBe('sleep: killed after 200 ms');
  });
});
