import { describe, expect, test } from 'vitest';
import { isActive, parseDomstate } from '../../../runtime/virsh-state.ts';

describe('parseDomstate (LC_ALL=C virsh domstate)', () => {
  test.each([
    ['running\n\n', 'running'],
    ['shut off\n\n', 'shut off'],
    ['shut off (shutdown)\n\n', 'shut off'],
    ['running (booted)\n', 'running'],
    ['paused (user)\n', 'paused'],
    ['in shutdown\n', 'in shutdown'],
    ['crashed (panicked)\n', 'crashed'],
    ['pmsuspended\n', 'pmsuspended'],
    ['idle\n', 'idle'],
    ['no state\n', 'no state'],
    ['\n  running  \n', 'running'],
    // A translated state (what the seed grepped for) is not guessed at: it is unknown.
    ['apagado\n', undefined],
    ['ejecutando\n', undefined],
    ['', undefined],
  ])('%j -> %s', (out, state) => {
    expect(parseDomstate(out)).toBe(state);
  });
});

describe('isActive: must the VM be shut down before the backup?', () => {
  test.each([
    ['running', true], ['idle', true], ['paused', true], ['in shutdown', true],
    ['pmsuspended', true], ['no state', true], ['shut off', false], ['crashed', false],
  ] as const)('%s -> %s', (state, active) => {
    expect(isActive(state)).toBe(active);
  });
});
