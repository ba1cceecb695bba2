/**
 * A small inline SVG line chart: one circle per data point (with a <title> tooltip naming
 * the snapshot and its value), a polyline through them, the last value and the range as
 * text. Inline so the report needs nothing from the network; every text goes through escapeHtml.
 */
import type { ChartPoint } from './report-hosts.ts';
import { escapeHtml } from './html-escape.ts';

const W = 220;
const H = 56;
const PAD = 4;

export function sparkline(title: string, points: readonly ChartPoint[], format: (n: number) => string): string {
  const head = `<figure class="chart"><figcaption>${escapeHtml(title)}</figcaption>`;
  if (points.length === 0) return `${head}<p class="nodata">no data</p></figure>`;
  const xs = points.map((p) => p.at);
  const ys = points.map((p) => p.value);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  // One point, or all equal: draw them in the middle rather than divide by zero.
  const x = (v: number): number => (x1 === x0 ? W / 2 : PAD + ((v - x0) / (x1 - x0)) * (W - 2 * PAD));
  const y = (v: number): number => (y1 === y0 ? H / 2 : H - PAD - ((v - y0) / (y1 - y0)) * (H - 2 * PAD));
  const xy = points.map((p) => `${x(p.at).toFixed(1)},${y(p.value).toFixed(1)}`);
  const dots = points.map((p, i) => `<circle class="point" cx="${xy[i]!.split(',')[0]}" cy="${xy[i]!.split(',')[1]}" r="2.5"><title>${escapeHtml(`${p.label}: ${format(p.value)}`)}</title></circle>`);
  const last = points[points.length - 1]!;
  return `${head}<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${escapeHtml(title)}">`
    + `<polyline fill="none" points="${xy.join(' ')}"/>${dots.join('')}</svg>`
    + `<p class="range">${escapeHtml(`now ${format(last.value)} · min ${format(y0)} · max ${format(y1)} · ${points.length} snapshots`)}</p></figure>`;
}
