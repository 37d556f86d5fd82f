// The job queue's HTTP API. Jobs live in memory and are saved to data/db.json
// after every change. corral waits for GET /healthz before starting workers.
import { createServer } from 'node:http';
import { load, SCHEMA, save } from './db.mjs';

const PORT = Number(process.env.PORT ?? 3000);
const CLAIM_TIMEOUT_MS = 10_000; // a claim this old means its worker died: hand the job out again
const KEEP_DONE = 100; // finished jobs kept in the file; older ones are dropped

// Refuse to run on a missing or outdated database: that is migrate's job.
const db = load();
if (db?.schema !== SCHEMA) {
  console.error(`api: data/db.json at schema ${db?.schema ?? 'none'}, need ${SCHEMA}: run migrate.mjs`);
  process.exit(1);
}

// Save after every change, dropping the oldest finished jobs beyond KEEP_DONE.
function commit() {
  let extra = db.jobs.filter((j) => j.state === 'done').length - KEEP_DONE;
  db.jobs = db.jobs.filter((j) => !(j.state === 'done' && extra-- > 0));
  save(db);
}

// Put jobs whose worker vanished (killed mid-job) back in the queue.
function requeueStale(maxAgeMs) {
  const stale = db.jobs.filter((j) => j.state === 'claimed' && Date.now() - j.claimedAt >= maxAgeMs);
  for (const job of stale) {
    console.log(`requeue job ${job.id} (claimed by worker ${job.worker}, never finished)`);
    Object.assign(job, { state: 'queued', worker: null, claimedAt: null });
  }
  if (stale.length > 0) commit();
}
requeueStale(0); // a claim from before this start is stale by definition
const sweeper = setInterval(() => requeueStale(CLAIM_TIMEOUT_MS), 2_000);

// A request's JSON body; an empty body reads as {}. Bad JSON throws a SyntaxError (a 400, below).
const readJson = async (req) => JSON.parse(Buffer.concat(await req.toArray()).toString() || '{}');

async function route(req, res) {
  const { pathname } = new URL(req.url, 'http://localhost');
  const send = (status, data) =>
    res.writeHead(status, { 'content-type': 'application/json' }).end(data && `${JSON.stringify(data)}\n`);

  if (req.method === 'GET' && pathname === '/healthz') return res.end('ok'); // corral's ready probe
  if (req.method === 'GET' && pathname === '/jobs') return send(200, db.jobs);
  if (req.method === 'POST' && pathname === '/jobs') {
    const payload = await readJson(req); // before taking an id, so a bad body wastes none
    const job = { id: db.nextId++, state: 'queued', attempts: 0, payload, createdAt: Date.now() };
    db.jobs.push(job);
    commit();
    return send(201, job);
  }
  if (req.method === 'POST' && pathname === '/jobs/next') {
    const { worker = null } = await readJson(req); // read first: find-and-claim must not be split by an await
    const job = db.jobs.find((j) => j.state === 'queued');
    if (!job) return send(204);
    Object.assign(job, { state: 'claimed', worker, claimedAt: Date.now(), attempts: job.attempts + 1 });
    commit();
    return send(200, job);
  }
  const done = req.method === 'POST' && pathname.match(/^\/jobs\/(\d+)\/done$/);
  if (done) {
    const job = db.jobs.find((j) => j.id === Number(done[1]));
    if (!job) return send(404, { error: `no job ${done[1]}` });
    Object.assign(job, { state: 'done', doneAt: Date.now() });
    commit();
    return send(200, job);
  }
  send(404, { error: `no route ${req.method} ${pathname}` });
}

const server = createServer((req, res) => {
  const start = performance.now(); // one log line per request, once the response is sent
  res.on('finish', () => {
    console.log(`${req.method} ${req.url} ${res.statusCode} ${(performance.now() - start).toFixed(1)}ms`);
  });
  route(req, res).catch((err) => {
    // A bad JSON body is the client's fault (400); anything else is ours (500).
    res.writeHead(err instanceof SyntaxError ? 400 : 500).end(`${JSON.stringify({ error: err.message })}\n`);
  });
});
server.listen(PORT, '127.0.0.1', () => console.log(`api: listening on http://127.0.0.1:${PORT}`));

// Graceful stop: take no new connections, finish in-flight requests, save, exit 0.
function shutdown(signal) {
  console.log(`api: ${signal}, shutting down`);
  clearInterval(sweeper);
  server.close(() => {
    save(db);
    console.log('api: saved data/db.json, bye');
    process.exit(0);
  });
  // Workers hold keep-alive sockets that would keep close() waiting: drop the idle ones
  // now, and give requests in flight 1 s before cutting whatever is left.
  server.closeIdleConnections();
  setTimeout(() => server.closeAllConnections(), 1_000).unref();
}
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, shutdown);
