// Installing a peer from Debian's packages, without starting Debian's system service for it.
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { run } from './exec.mjs';

const POLICY = '/usr/sbin/policy-rc.d';

/** apt-get update && apt-get install -y PKG, as root only; { ok } or { ok: false, why }. */
export async function aptInstall(pkg, log) {
  if (process.getuid?.() !== 0) {
    return { ok: false, why: `not root, so "apt-get install ${pkg}" was not tried (install it, then rerun)` };
  }
  log(`installing ${pkg} from Debian (apt-get update; apt-get install -y ${pkg})...`);
  // policy-rc.d exiting 101 tells the package scripts not to start the service they install;
  // it is put in place only when the machine has none, and removed again right after.
  const ownPolicy = !existsSync(POLICY);
  if (ownPolicy) writeFileSync(POLICY, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
  try {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const update = await run('apt-get', ['update'], { env, timeoutMs: 300_000 });
    if (update.code !== 0) return { ok: false, why: `apt-get update failed: ${lastLine(update.stderr)}` };
    const r = await run('apt-get', ['install', '-y', '--no-install-recommends', pkg], {
      env,
      timeoutMs: 300_000,
    });
    if (r.code !== 0) return { ok: false, why: `apt-get install ${pkg} failed: ${lastLine(r.stderr)}` };
    return { ok: true };
  } catch (e) {
    return { ok: false, why: e.message };
  } finally {
    if (ownPolicy) rmSync(POLICY, { force: true });
  }
}

function lastLine(text) {
  return text.trim().split('\n').pop() ?? '';
}
