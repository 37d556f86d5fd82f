// Which tool's format a file is in: by its name where that settles it, else by its content.
import { basename } from 'node:path';
import { isMap, parseDocument } from 'yaml';
import { ImportError } from './errors.js';

export const IMPORT_FORMATS = ['pm2', 'supervisord', 'compose', 'process-compose', 'procfile'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

export const FORMAT_NAMES: Record<ImportFormat, string> = {
  pm2: 'PM2 ecosystem file',
  supervisord: 'supervisord.conf',
  compose: 'Compose file',
  'process-compose': 'process-compose.yaml',
  procfile: 'Procfile',
};

// Service keys only Compose has: a `services:` file with one of them is not a corral.yaml.
const COMPOSE_KEYS = [
  'image',
  'build',
  'entrypoint',
  'environment',
  'healthcheck',
  'ports',
  'volumes',
  'working_dir',
  'stop_grace_period',
  'stop_signal',
  'deploy',
  'networks',
  'container_name',
  'expose',
  'labels',
];

/** The format of `file` (text `text`), or an ImportError saying it is none corral imports. */
export function detectImportFormat(file: string, text: string): ImportFormat {
  const base = basename(file);
  if (/\.(c|m)?js$/i.test(base)) return 'pm2';
  if (base === 'Procfile' || base.startsWith('Procfile.')) return 'procfile';
  if (/^\s*\[(program:|supervisord\]|group:|include\]|eventlistener:|fcgi-program:)/m.test(text))
    return 'supervisord';
  if (/\.json$/i.test(base)) {
    try {
      const data = JSON.parse(text);
      if (
        Array.isArray(data) ||
        data?.apps !== undefined ||
        data?.pm2 !== undefined ||
        data?.script !== undefined
      )
        return 'pm2';
    } catch {
      // not JSON: PM2 evaluates .json as JavaScript, so it is still its file
      if (/\bapps\b/.test(text)) return 'pm2';
    }
  }
  const doc = parseDocument(text);
  if (doc.errors.length === 0 && isMap(doc.contents)) {
    const data = doc.toJS() as Record<string, unknown>;
    if (data.processes !== null && typeof data.processes === 'object') return 'process-compose';
    if (Array.isArray(data.apps)) return 'pm2';
    const services = data.services;
    if (services !== null && typeof services === 'object') {
      const keys = Object.values(services).flatMap((s) =>
        s !== null && typeof s === 'object' ? Object.keys(s) : [],
      );
      if (/compose/i.test(base) || data.version !== undefined || keys.some((k) => COMPOSE_KEYS.includes(k)))
        return 'compose';
      throw new ImportError(
        `${file}: this is already a corral config (services: with corral's keys); use it as it is, or name its format with --from`,
      );
    }
  }
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '' && !l.trim().startsWith('#'));
  if (lines.length > 0 && lines.every((l) => /^[A-Za-z0-9_-]+:\s*\S/.test(l.trim())) && !isMap(doc.contents))
    return 'procfile';
  if (lines.length > 0 && lines.every((l) => /^[A-Za-z0-9_-]+:\s+[^{[]/.test(l.trim()))) return 'procfile';
  throw new ImportError(
    `${file}: not a format corral imports (a PM2 ecosystem file, supervisord.conf, Compose file, process-compose.yaml or Procfile); name it with --from ${IMPORT_FORMATS.join('|')}`,
  );
}
