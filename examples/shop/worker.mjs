// A queue worker: claims the next job from the api, "processes" it, marks it done.
// corral runs two of these (instances: 2); CORRAL_INSTANCE tells them apart.
import { setTimeout as sleep } from 'node:timers/promises';

const API = process.env.API_URL ?? 'http://127.0.0.1:3000';
const me = process.env.CORRAL_INSTANCE ?? '0';
const POLL_MS = 500;
const debug = process.env.LOG_LEVEL === 'debug'; // corral.yaml sets LOG_LEVEL for every service

// SIGTERM sets this; the loop notices between jobs, so a job in hand is always finished.
const stopping = new AbortController();
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    console.log(`worker ${me}: ${signal}, finishing current job then exiting`);
    stopping.abort();
  });
}

// ECONNREFUSED and friends hide in err.cause; say that rather than "fetch failed".
const reason = (err) => err.cause?.code ?? err.message;

async function post(path, body = {}) {
  const res = await fetch(`${API}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(2_000), // a hung api counts as a down api
  });
  if (!res.ok) throw new Error(`POST ${path}: HTTP ${res.status}`);
  return res.status === 204 ? null : res.json();
}

// Reporting a job done must survive a short api outage (e.g. corral restarting it).
async function markDone(job) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await post(`/jobs/${job.id}/done`);
    } catch (err) {
      if (attempt === 10) throw err;
      console.log(`worker ${me}: could not report job ${job.id} done (${reason(err)}), retrying`);
      await sleep(POLL_MS);
    }
  }
}

console.log(`worker ${me}: polling ${API} every ${POLL_MS}ms`);
while (!stopping.signal.aborted) {
  try {
    const job = await post('/jobs/next', { worker: me });
    if (job) {
      await sleep(200 + Math.random() * 800); // the "work"; deliberately not interrupted by SIGTERM
      await markDone(job);
      console.log(`worker ${me}: done job ${job.id}`);
      continue; // there may be more queued: ask again right away
    }
    if (debug) console.log(`worker ${me}: queue empty`);
  } catch (err) {
    console.log(`worker ${me}: api unavailable (${reason(err)}), retrying`);
  }
  await sleep(POLL_MS, null, { signal: stopping.signal }).catch(() => {}); // SIGTERM cuts the wait short
}
console.log(`worker ${me}: stopped`);
