/**
 * `--json-lines`: one JSON object per line on stdout, written as each host finishes, so a
 * large fleet's results can be piped (jq, a log shipper) while the run goes on. Host lines
 * have `"type": "host"` and the fields of the `--json` document's hosts (masked the same
 * way); the last line has `"type": "summary"` with the exit code and the counts.
 */
import { countStatuses, type HostStatus } from '../fleet.ts';
import { hostJson, type HostReport } from './json.ts';

export function jsonLine(value: Record<string, unknown>): string {
  return `${JSON.stringify(value)}\n`;
}

export function hostJsonLine(r: HostReport): string {
  return jsonLine({ type: 'host', ...hostJson(r) });
}

export function summaryJsonLine(command: string, exitCode: number, outcomes: readonly { status: HostStatus }[]): string {
  return jsonLine({ type: 'summary', command, exit_code: exitCode, summary: countStatuses(outcomes) });
}
