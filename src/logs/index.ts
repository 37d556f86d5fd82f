// Log capture: FIFO log channels pumped into rotated files, and readers for them.
export type { LogChannel, LogChannelOptions, LogChannelSettings } from './channel.js';
export { parseTimestamp, stripTimestamp, TIMESTAMP_PREFIX_BYTES } from './format.js';
export { LogHub, type LogHubLogger, type LogHubOptions } from './hub.js';
export { linesSince, logFiles, readTail } from './reader.js';
export { planWrite, rotatedPath, type WritePlan } from './rotate.js';
