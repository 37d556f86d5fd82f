// The dotenv format: KEY=VALUE lines, `export KEY=...`, quotes, `#` comments, blank lines.

export interface DotenvProblem {
  line: number;
  col: number;
  message: string;
}

export interface Dotenv {
  vars: Record<string, string>;
  problems: DotenvProblem[];
}

const ASSIGNMENT = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*/;
const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '\\': '\\', '"': '"', $: '$' };

/**
 * Parses dotenv text. Unquoted values are trimmed and end at ` #`; single quotes keep text as is;
 * double quotes understand \n \r \t \\ \" \$. Quoted values may span lines. Later keys win.
 */
export function parseDotenv(text: string): Dotenv {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const vars: Record<string, string> = {};
  const problems: DotenvProblem[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (/^\s*(#.*)?$/.test(line)) continue;
    const m = ASSIGNMENT.exec(line);
    if (m === null) {
      const col = line.length - line.trimStart().length + 1;
      problems.push({ line: i + 1, col, message: `expected KEY=VALUE, got ${JSON.stringify(line.trim())}` });
      continue;
    }
    const start = i;
    let rest = line.slice(m[0].length);
    const quote = rest[0];
    if (quote !== '"' && quote !== "'") {
      vars[m[1]] = rest.replace(/(^|\s+)#.*$/, '').trim();
      continue;
    }
    // A quoted value ends at the first unescaped closing quote, maybe lines later.
    let body = rest.slice(1);
    let close = closingQuote(body, quote);
    while (close < 0 && i + 1 < lines.length) {
      i++;
      body += `\n${lines[i]}`;
      close = closingQuote(body, quote);
    }
    if (close < 0) {
      problems.push({
        line: start + 1,
        col: m[0].length + 1,
        message: `expected a closing ${quote}, got the end of the file`,
      });
      continue;
    }
    rest = body.slice(close + 1);
    if (!/^\s*(#.*)?$/.test(rest)) {
      problems.push({
        line: i + 1,
        col: 1,
        message: `expected a comment or nothing after the closing ${quote}, got ${JSON.stringify(rest.trim())}`,
      });
      continue;
    }
    const raw = body.slice(0, close);
    vars[m[1]] = quote === "'" ? raw : raw.replace(/\\(.)/g, (all, c: string) => ESCAPES[c] ?? all);
  }
  return { vars, problems };
}

function closingQuote(text: string, quote: string): number {
  for (let j = 0; j < text.length; j++) {
    if (quote === '"' && text[j] === '\\') j++;
    else if (text[j] === quote) return j;
  }
  return -1;
}
