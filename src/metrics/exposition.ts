// Prometheus's text exposition format, version 0.0.4, written by hand: per metric family one
// `# HELP` and one `# TYPE` line, then its samples, `name{label="value",...} number`. Label
// values escape backslash, double quote and newline; HELP text escapes backslash and newline.
// https://prometheus.io/docs/instrumenting/exposition_formats/

/** The Content-Type of the format. */
export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export type MetricType = 'counter' | 'gauge' | 'untyped';

export type Labels = Record<string, string>;

/** One metric family: a name, its type and help, and its samples (labels already written out). */
export interface Family {
  name: string;
  type: MetricType;
  help: string;
  samples: Array<{ labels: string; value: number }>;
}

/** A family with no samples yet; add them with `sample(family, labels, value)`. */
export function family(name: string, type: MetricType, help: string): Family {
  return { name, type, help, samples: [] };
}

/**
 * Labels as the format writes them between the braces: `project="shop",service="web"`. Written
 * once per process and extended (`${base},state="running"`), not once per sample.
 */
export function labelText(labels: Labels): string {
  let out = '';
  for (const key in labels) out += `${out === '' ? '' : ','}${key}="${escapeLabel(labels[key])}"`;
  return out;
}

/** Adds one sample to a family: labels as an object, or as labelText() wrote them. */
export function sample(f: Family, labels: Labels | string, value: number): void {
  f.samples.push({ labels: typeof labels === 'string' ? labels : labelText(labels), value });
}

// A label value as the format quotes it.
function escapeLabel(value: string): string {
  return /[\\"\n]/.test(value)
    ? value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
    : value;
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
  let out = '';
  for (const f of families) {
    if (f.samples.length === 0) continue;
    out += `# HELP ${f.name} ${escapeHelp(f.help)}\n# TYPE ${f.name} ${f.type}\n`;
    for (const s of f.samples)
      out += `${f.name}${s.labels === '' ? '' : `{${s.labels}}`} ${formatValue(s.value)}\n`;
  }
  return out;
}
