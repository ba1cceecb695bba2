/** A Logger that keeps lines in memory, so tests can read what a run would have logged. */
import type { Logger } from '../../../../runtime/logger.ts';

export interface MemoryLogger extends Logger {
  lines: string[];
}

export function memoryLogger(): MemoryLogger {
  const lines: string[] = [];
  const add = (level: string) => (message: string): void => { lines.push(`${level} ${message}`); };
  return { lines, info: add('info'), warn: add('warn'), error: add('error'), text: () => `${lines.join('\n')}\n` };
}
