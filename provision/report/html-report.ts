/**
 * `linkdest report --html`: one self-contained HTML page (inline CSS and SVG, no script, no
 * external resource; a Content-Security-Policy forbids loading any), so it can be mailed or
 * opened offline. One row per host, hosts that need a look first (report-hosts.ts), each
 * with small charts over its last snapshots.
 */
import { formatBytes } from '../../runtime/size.ts';
import { localTime } from '../../runtime/ops/format.ts';
import { formatAge } from '../ops/status-rows.ts';
import { escapeHtml } from './html-escape.ts';
import type { ReportHost } from './report-hosts.ts';
import { sparkline } from './sparkline.ts';

export interface HtmlReportInput {
  hosts: readonly ReportHost[];
  generatedAt: Date;
  maxAge: string;
  lastN: number;
  controlVersion: string;
}

const CSS = `
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
h1{font-size:1.4em;margin:0 0 .2em}
.meta{color:#555;margin:0 0 1em}
table{border-collapse:collapse;width:100%}
th,td{border-bottom:1px solid #ddd;padding:.4em .6em;text-align:left;vertical-align:top}
th{background:#f3f3f3}
tr.sev0 td.result,tr.sev1 td.result{color:#fff;background:#c62828}
tr.sev2 td.result{color:#fff;background:#e65100}
tr.sev3 td.result{background:#fff3cd}
tr.sev4 td.result{background:#e8f5e9}
td.detail{max-width:28em;word-break:break-word;color:#444}
.charts{display:flex;flex-wrap:wrap;gap:.8em}
figure.chart{margin:0}
figcaption{font-size:.8em;color:#555}
svg polyline{stroke:#1565c0;stroke-width:1.5}
svg circle.point{fill:#1565c0}
p.range,p.nodata{font-size:.75em;color:#666;margin:0}
.badge{font-size:.75em;font-weight:bold;margin-left:.4em}
`;

const bytes = (n: number): string => formatBytes(n);
const count = (n: number): string => String(Math.round(n));

function resultCell(h: ReportHost): string {
  const r = h.row;
  const badge = r.stale ? '<span class="badge">STALE</span>' : '';
  return `<td class="result">${escapeHtml(r.result)}${badge}</td>`;
}

function lastCell(h: ReportHost, now: Date): string {
  const r = h.row;
  if (!r.lastSnapshotAt) return '<td class="last">none</td>';
  const age = formatAge(now.getTime() - Date.parse(r.lastSnapshotAt));
  return `<td class="last">${escapeHtml(localTime(r.lastSnapshotAt))}<br><span class="age">${escapeHtml(age)} ago</span></td>`;
}

function detail(h: ReportHost): string {
  const lines = [h.row.error, h.row.reason, ...h.warnings.map((w) => `warning: ${w}`)].filter((l): l is string => l !== undefined && l !== '');
  return lines.map(escapeHtml).join('<br>');
}

function hostRow(h: ReportHost, now: Date): string {
  const r = h.row;
  const s = h.series;
  const charts = r.reachable
    ? `<div class="charts">${[
      sparkline('snapshots kept', s.count, count),
      sparkline('space added per snapshot', s.added, bytes),
      sparkline('free space', s.freeBytes, bytes),
      sparkline('free inodes', s.freeInodes, count),
    ].join('')}</div>`
    : '<p class="nodata">unreachable: nothing to chart</p>';
  return `<tr class="host sev${h.severity}" data-host="${escapeHtml(r.host)}" data-stale="${r.stale}">`
    + `<td class="name">${escapeHtml(r.host)}</td>${resultCell(h)}${lastCell(h, now)}`
    + `<td class="count">${r.snapshots ?? '-'}</td><td class="free">${r.freeBytes === undefined ? '-' : escapeHtml(bytes(r.freeBytes))}</td>`
    + `<td class="inodes">${r.freeInodes === undefined ? '-' : escapeHtml(count(r.freeInodes))}</td>`
    + `<td class="detail">${detail(h)}</td><td>${charts}</td></tr>`;
}

export function renderHtmlReport(input: HtmlReportInput): string {
  const now = input.generatedAt;
  const bad = input.hosts.filter((h) => h.severity < 4).length;
  const summary = `${input.hosts.length} hosts, ${bad} need a look; stale = no successful snapshot newer than ${input.maxAge}; charts: last ${input.lastN} snapshots`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>linkdest fleet report ${escapeHtml(localTime(now.toISOString()))}</title>
<style>${CSS}</style></head>
<body>
<h1>linkdest fleet report</h1>
<p class="meta">${escapeHtml(`generated ${localTime(now.toISOString())} by linkdest ${input.controlVersion}; ${summary}`)}</p>
<table><thead><tr><th>host</th><th>last run</th><th>last good snapshot</th><th>snapshots</th><th>free</th><th>free inodes</th><th>detail</th><th>history</th></tr></thead>
<tbody>
${input.hosts.map((h) => hostRow(h, now)).join('\n')}
</tbody></table>
</body></html>
`;
}
