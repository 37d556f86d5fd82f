// The syntax of systemd unit files: quoting of command lines and assignments, specifiers and
// variables escaped, so that what a unit runs is exactly the argv corral would exec.

// %: specifiers (%i, %n ...); $: variable substitution in command lines
const escapeUnit = (text: string): string => text.replace(/%/g, '%%');

/** One argument of ExecStart= and friends, quoted when it has to be. */
export function unitArg(word: string): string {
  const escaped = escapeUnit(word).replace(/\$/g, '$$$$');
  if (/^[A-Za-z0-9_@+=:,./%$-]+$/.test(escaped)) return escaped;
  return `"${cEscape(escaped)}"`;
}

/** A whole command line for ExecStart=, with an optional prefix such as "-". */
export function unitCommand(argv: readonly string[], prefix = ''): string {
  return prefix + argv.map(unitArg).join(' ');
}

/** One Environment= entry: "NAME=value", quoted and escaped. */
export function unitEnv(name: string, value: string): string {
  return `"${cEscape(escapeUnit(`${name}=${value}`))}"`;
}

/** A duration for systemd: 1.5s is written 1500ms. */
export function unitDuration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

// C-style escapes inside double quotes
function cEscape(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\t/g, '\\t');
}

/** A unit file from its sections, each a list of [key, value] in order. */
export function unitFile(header: string, sections: Array<[string, Array<[string, string]>]>): string {
  const parts = [`# ${header}`];
  for (const [name, entries] of sections) {
    if (entries.length === 0) continue;
    parts.push('', `[${name}]`, ...entries.map(([k, v]) => `${k}=${v}`));
  }
  return `${parts.join('\n')}\n`;
}
