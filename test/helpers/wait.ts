// Waiting for conditions with a deadline: the only way tests wait.

export interface WaitOptions {
  /** ms; default 10 s (generous: CI machines are loaded) */
  timeout?: number;
  /** ms between checks; default 20 */
  interval?: number;
  /** what was awaited, for the error message */
  what?: string;
}

/** Resolves with the first truthy value of `check`, or rejects once the deadline passes. */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  { timeout = 10_000, interval = 20, what = 'condition' }: WaitOptions = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeout;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline) {
      const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${timeout} ms waiting for ${what}${cause}`);
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}
