// Environment values that look secret are masked wherever the API returns a definition, unless
// the client asks for them (`?secrets=1`). state.json and projects.json keep the real values: the
// daemon needs them to start the services, and the home is 0700.
//
// A name looks secret when it contains (case-insensitive) TOKEN, KEY, SECRET, PASSWORD, PASSWD,
// PASSPHRASE, CREDENTIAL or PRIVATE, or has AUTH, PASS or DSN as one of its `_`-separated words
// (BASIC_AUTH, DB_PASS, SENTRY_DSN; not GIT_AUTHOR_NAME or PASSTHROUGH). Whatever the name, the
// password of a URL (`scheme://user:PASSWORD@host`) is masked too.
import type { ProjectInfo, ServiceDefinition } from './schemas.js';

/** What a masked value shows instead. */
export const SECRET_MASK = '***';

const SECRET_PARTS = /TOKEN|KEY|SECRET|PASSWORD|PASSWD|PASSPHRASE|CREDENTIAL|PRIVATE/i;
const SECRET_WORDS = /(^|_)(AUTH|PASS|DSN)(_|$)/i;
// scheme://user:password@ : the password is what goes
const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^\s/:@]*:)[^\s/@]+@/gi;

/** True when an environment variable's name looks like it holds a secret. */
export function isSecretName(name: string): boolean {
  return SECRET_PARTS.test(name) || SECRET_WORDS.test(name);
}

/** The environment with secret-looking values replaced by the mask. */
export function maskEnv(env: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    out[name] = isSecretName(name) ? SECRET_MASK : value.replace(URL_PASSWORD, `$1${SECRET_MASK}@`);
  }
  return out;
}

/** A project as the API lists it, its services' secret-looking values masked. */
export function maskProject(project: ProjectInfo): ProjectInfo {
  return { ...project, services: project.services.map(maskService) };
}

// One service's definition with its environment masked.
function maskService(service: ServiceDefinition): ServiceDefinition {
  return { ...service, env: maskEnv(service.env) };
}
