// What the program needs to know of `corral completion` before it loads it: the shells it
// writes scripts for, and the hidden command those scripts call.

/** The shells `corral completion` writes a script for. */
export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

/** The hidden command the scripts call: `corral __complete -- WORDS...`. */
export const COMPLETE_COMMAND = '__complete';
