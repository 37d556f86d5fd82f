// What the terminal sends when a key is pressed, as key names: a printable character is itself
// ('a', '/', '?'); the others are 'up', 'down', 'pageup', 'pagedown', 'home', 'end', 'enter',
// 'tab', 'backspace', 'escape', 'delete' and 'ctrl-X'. Sequences it does not know are dropped.

const SEQUENCES: Record<string, string> = {
  '[A': 'up',
  '[B': 'down',
  '[C': 'right',
  '[D': 'left',
  OA: 'up',
  OB: 'down',
  OC: 'right',
  OD: 'left',
  '[H': 'home',
  '[F': 'end',
  OH: 'home',
  OF: 'end',
  '[1~': 'home',
  '[7~': 'home',
  '[4~': 'end',
  '[8~': 'end',
  '[5~': 'pageup',
  '[6~': 'pagedown',
  '[3~': 'delete',
  '[Z': 'shift-tab',
};

/** The keys in one read of the terminal (a paste or a fast typist gives several at once). */
export function parseKeys(data: string): string[] {
  const keys: string[] = [];
  let i = 0;
  while (i < data.length) {
    const c = data[i];
    if (c === '\x1b') {
      // ESC alone (nothing follows in this read) is the Escape key; ESC [ or ESC O starts a sequence
      const next = data[i + 1];
      if (next === '[' || next === 'O') {
        let j = i + 2;
        while (j < data.length && !/[A-Za-z~]/.test(data[j])) j++;
        const seq = data.slice(i + 1, j + 1);
        const name = SEQUENCES[seq];
        if (name) keys.push(name);
        i = j + 1;
        continue;
      }
      keys.push('escape');
      i++;
      continue;
    }
    const code = c.charCodeAt(0);
    if (c === '\r' || c === '\n') keys.push('enter');
    else if (c === '\t') keys.push('tab');
    else if (code === 0x7f || code === 0x08) keys.push('backspace');
    else if (code < 0x20) keys.push(`ctrl-${String.fromCharCode(code + 0x60)}`);
    else {
      const cp = data.codePointAt(i) as number;
      const ch = String.fromCodePoint(cp);
      keys.push(ch);
      i += ch.length;
      continue;
    }
    i++;
  }
  return keys;
}
