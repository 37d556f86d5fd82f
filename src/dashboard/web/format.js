// How the dashboard writes figures: durations, bytes, CPU, exits, times. Pure functions.

/** A duration in ms as `corral ps` writes it: 45s, 12m 3s, 3h 4m, 2d 1h. */
export function duration(ms) {
  if (ms < 0 || !Number.isFinite(ms)) return '';
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

/** A time left in ms with one decimal under a minute (a backoff countdown). */
export function timeLeft(ms) {
  if (ms <= 0) return 'now';
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 60_000) return `${Math.ceil(ms / 1000)} s`;
  return duration(ms);
}

/** Bytes as `corral ps` writes them (1024-based KB, MB, GB), with a space before the unit. */
export function bytes(n) {
  if (n === null || n === undefined) return '–';
  const units = ['B', 'KB', 'MB', 'GB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 10 || i === 0 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}

/** CPU in percent of one core. */
export function cpu(p) {
  return p === null || p === undefined ? '–' : `${p.toFixed(1)}%`;
}

/** An exit as ps shows it: the code (128+N for a signal), the signal and the reason. */
export function exit(e) {
  if (!e) return 'none yet';
  const how = e.signal ? `signal ${e.signal}` : e.code === null ? 'no status' : `code ${e.code}`;
  return `${how} (${e.reason})`;
}

/** A time of day for the timeline, local, with seconds. */
export function clock(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleTimeString([], { hour12: false });
}

/** A date and time, local. */
export function dateTime(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : d.toLocaleString([], { hour12: false });
}

/** A duration in ms from the definition (durations are in ms there), as a config would write it. */
export function ms(n) {
  if (n === null || n === undefined) return '–';
  if (n % 3_600_000 === 0 && n > 0) return `${n / 3_600_000}h`;
  if (n % 60_000 === 0 && n > 0) return `${n / 60_000}m`;
  if (n % 1000 === 0) return `${n / 1000}s`;
  return `${n}ms`;
}

/** The name of the process an event is about (shop/api:0), of its service (shop/api), or null. */
export function eventTarget(e) {
  if (!e.project || !e.service) return null;
  return e.instance === null || e.instance === undefined
    ? `${e.project}/${e.service}`
    : `${e.project}/${e.service}:${e.instance}`;
}
