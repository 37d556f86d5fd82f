// Stands in for the shop's front end: enqueues an order job every 2 s so the
// workers always have something to do.
import { setTimeout as sleep } from 'node:timers/promises';

const API = process.env.API_URL ?? 'http://127.0.0.1:3000';
const EVERY_MS = 2_000;
const items = ['socks', 'mug', 'poster', 'sticker pack', 'hoodie'];

const stopping = new AbortController();
process.on('SIGTERM', () => stopping.abort());
process.on('SIGINT', () => stopping.abort());

for (let n = 1; !stopping.signal.aborted; n++) {
  const order = { type: 'ship-order', order: n, item: items[(n - 1) % items.length] };
  try {
    const res = await fetch(`${API}/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(order),
      signal: AbortSignal.timeout(2_000),
    });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const job = await res.json();
    console.log(`producer: enqueued job ${job.id} (order ${n}: ${order.item})`);
  } catch (err) {
    // The api may be restarting; skip this tick, the next one tries again.
    console.log(`producer: api unavailable (${err.cause?.code ?? err.message}), will retry`);
  }
  await sleep(EVERY_MS, null, { signal: stopping.signal }).catch(() => {});
}
console.log('producer: stopped');
