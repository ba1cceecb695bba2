/**
 * What every runtime step logs through. The run keeps the whole text for the mail report
 * (MAILSTYLE=all) and writes it to the per-run log file and stdout (see log.ts).
 */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /** Everything logged so far, one line per entry with time and level. */
  text(): string;
}
