// The file watching that `watch:` needs, as the engine's host gives it (EngineHost.watchFiles).
import { WatchSet } from './patterns.js';
import { TreeWatcher } from './tree.js';

/** Watches the paths of a `watch:` list; returns the function that stops watching. */
export function watchFiles(
  patterns: readonly string[],
  onChange: (path: string) => void,
  onProblem: (message: string) => void,
): () => void {
  const tree = new TreeWatcher(new WatchSet(patterns), { onChange, onProblem });
  return () => tree.close();
}
