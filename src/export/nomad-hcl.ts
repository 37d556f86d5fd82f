// The HCL form of a Nomad job, written from the same object as the jobs API's JSON (nomad.ts):
// PascalCase keys become snake_case attributes and blocks, durations in ns become "5s" strings.

import { durationText } from './findings.js';

type Obj = Record<string, unknown>;

// keys whose value is a duration in nanoseconds
const DURATIONS = new Set(['Interval', 'Delay', 'KillTimeout', 'Timeout', 'Grace']);
// keys written as blocks, and the key of a repeated block's label
const LABELLED: Record<string, { block: string; label: string }> = {
  TaskGroups: { block: 'group', label: 'Name' },
  Tasks: { block: 'task', label: 'Name' },
};
const BLOCKS: Record<string, string> = {
  RestartPolicy: 'restart',
  ReschedulePolicy: 'reschedule',
  Lifecycle: 'lifecycle',
  Resources: 'resources',
  LogConfig: 'logs',
  CheckRestart: 'check_restart',
  Services: 'service',
  Checks: 'check',
  Networks: 'network',
};
const RENAME: Record<string, string> = {
  MemoryMB: 'memory',
  MaxFileSizeMB: 'max_file_size',
  PortLabel: 'port',
  KillSignal: 'kill_signal',
  KillTimeout: 'kill_timeout',
};

/** The job as an HCL file. */
export function nomadHcl(job: Obj): string {
  const lines = [
    `# corral project ${String(job.Name)}, written by corral export nomad`,
    `job ${str(String(job.ID))} {`,
  ];
  body(job, 1, lines, new Set(['ID', 'Name']));
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

function body(obj: Obj, depth: number, lines: string[], skip: Set<string>): void {
  const pad = '  '.repeat(depth);
  for (const [key, value] of Object.entries(obj)) {
    if (skip.has(key) || value === undefined) continue;
    if (key in LABELLED) {
      const { block, label } = LABELLED[key];
      for (const item of value as Obj[]) {
        lines.push(`${pad}${block} ${str(String(item[label]))} {`);
        body(item, depth + 1, lines, new Set([label]));
        lines.push(`${pad}}`);
      }
    } else if (key === 'ReservedPorts') {
      for (const p of value as Array<{ Label: string; Value: number }>)
        lines.push(`${pad}port ${str(p.Label)} { static = ${p.Value} }`);
    } else if (key === 'Env' || key === 'Config') {
      lines.push(`${pad}${key === 'Env' ? 'env' : 'config'} {`);
      for (const [k, v] of Object.entries(value as Obj)) lines.push(`${pad}  ${ident(k)} = ${literal(v)}`);
      lines.push(`${pad}}`);
    } else if (key in BLOCKS) {
      for (const item of Array.isArray(value) ? (value as Obj[]) : [value as Obj]) {
        lines.push(`${pad}${BLOCKS[key]} {`);
        body(item, depth + 1, lines, new Set());
        lines.push(`${pad}}`);
      }
    } else {
      const v = DURATIONS.has(key) ? durationText(Math.round((value as number) / 1_000_000)) : value;
      lines.push(`${pad}${RENAME[key] ?? snake(key)} = ${literal(v)}`);
    }
  }
}

const snake = (key: string): string => key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
const ident = (key: string): string => (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(key) ? key : str(key));

function literal(v: unknown): string {
  if (typeof v === 'string') return str(v);
  if (Array.isArray(v)) return `[${v.map(literal).join(', ')}]`;
  return String(v);
}

// An HCL string: quotes and backslashes escaped, and ${ / %{ kept literal except Nomad's own
// ${NOMAD_...} variables, which are meant to be interpolated.
function str(text: string): string {
  const escaped = text
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/\n/g, '\\n')
    .replace(/%\{/g, '%%{')
    .replace(/\$\{(?!NOMAD_)/g, '$${');
  return `"${escaped}"`;
}
