// Every timer of the engine goes through here, so tests can drive a fake clock.

export interface Timer {
  cancel(): void;
}

export interface Clock {
  /** epoch ms */
  now(): number;
  /** runs `fn` once after `ms`; unref'd so a timer never keeps a process alive by itself */
  after(ms: number, fn: () => void): Timer;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  after(ms, fn) {
    const handle = setTimeout(fn, ms);
    handle.unref();
    return { cancel: () => clearTimeout(handle) };
  },
};
