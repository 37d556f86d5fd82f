// Prometheus's text exposition format, version 0.0.4, written by hand: per metric family one
// `# HELP` and one `# TYPE` line, then its samples, `name{label="value",...} number`. Label
// values escape backslash, double quote and newline; HELP text escapes backslash and newline.
// https://prometheus.io/docs/instrumenting/exposition_formats/

/** The Content-Type of the format. */
export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export type MetricType = 'counter' | 'gauge' | 'untyped';

export type Labels = Record<string, string>;

/** One metric family: a name, its type and help, and its samples. */
export interface Family {
  name: string;
  type: MetricType;
  help: string;
  samples: Array<{ labels: Labels; value: number }>;
}

/** A family with no samples yet; add them with `sample(family, labels, value)`. */
export function family(name: string, type: MetricType, help: string): Family {
  return { name, type, help, samples: [] };
}

/** Adds one sample to a family. */
export function sample(f: Family, labels: Labels, value: number): void {
  f.samples.push({ labels, value });
}

// A label value as the format quotes it.
function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

// HELP text as the format reads it.
function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

// A sample value: Go's float syntax, with NaN and the infinities spelled as Prometheus reads them.
function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

/** The text of every family, in order; a family without samples is left out. */
export function render(families: readonly Family[]): string {
  const out: string[] = [];
  for (const f of families) {
    if (f.samples.length === 0) continue;
    out.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) {
      const pairs = Object.entries(s.labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
      out.push(`${f.name}${pairs.length > 0 ? `{${pairs.join(',')}}` : ''} ${formatValue(s.value)}`);
    }
  }
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}
