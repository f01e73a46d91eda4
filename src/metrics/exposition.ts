/** Prometheus text format 0.0.4 for the families computed from the database at scrape time. */
export type Labels = Record<string, string>;
export interface Sample {
  labels: Labels;
  value: number;
}
export interface Family {
  name: string;
  help: string;
  type: 'gauge' | 'counter' | 'histogram';
  samples: Sample[];
  /** Histograms: one entry per label set, cumulative bucket counts by upper bound (seconds). */
  histograms?: { labels: Labels; buckets: [le: number, count: number][]; sum: number; count: number }[];
}

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const escapeHelp = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
const labelText = (l: Labels) => {
  const parts = Object.entries(l).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
};
const num = (v: number) => (Number.isNaN(v) ? 'NaN' : v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : String(v));

export function renderFamilies(families: Family[]): string {
  const lines: string[] = [];
  for (const f of families) {
    lines.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) lines.push(`${f.name}${labelText(s.labels)} ${num(s.value)}`);
    for (const h of f.histograms ?? []) {
      for (const [le, count] of h.buckets) lines.push(`${f.name}_bucket${labelText({ ...h.labels, le: num(le) })} ${count}`);
      lines.push(`${f.name}_bucket${labelText({ ...h.labels, le: '+Inf' })} ${h.count}`);
      lines.push(`${f.name}_sum${labelText(h.labels)} ${num(h.sum)}`, `${f.name}_count${labelText(h.labels)} ${h.count}`);
    }
  }
  return lines.join('\n') + '\n';
}
