// A sparkline: one SVG polyline over a row's recent values, scaled to their own maximum. Drawn
// for the visible rows only, and again only when a new sample came.

const SVG = 'http://www.w3.org/2000/svg';
const W = 56;
const H = 18;

/** An empty sparkline element of `kind` (cpu or mem), decorative (the figure beside it is the text). */
export function createSparkline(kind) {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('class', `spark ${kind}`);
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.setAttribute('preserveAspectRatio', 'none');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  const line = document.createElementNS(SVG, 'polyline');
  svg.append(line);
  return svg;
}

/**
 * Draws `values` taken at times `t` over the window [now - spanMs, now] (or from the first value
 * on, when the history is younger) into the sparkline;
 * `floor` is the smallest top of the scale (so that 0.1% CPU is not drawn as a full peak).
 */
export function drawSparkline(svg, t, values, now, spanMs, floor) {
  const line = svg.firstChild;
  if (values.length === 0) {
    line.setAttribute('points', '');
    return;
  }
  let max = floor;
  for (const v of values) if (v > max) max = v;
  // a history younger than the span is drawn across the whole width
  const start = Math.max(now - spanMs, Math.min(t[0], now - 10_000));
  spanMs = now - start;
  let points = '';
  for (let i = 0; i < values.length; i++) {
    const x = Math.max(0, ((t[i] - start) / spanMs) * W);
    const y = H - 1 - (values[i] / max) * (H - 2);
    points += `${x.toFixed(1)},${y.toFixed(1)} `;
  }
  if (values.length === 1) points += `${W},${(H - 1 - (values[0] / max) * (H - 2)).toFixed(1)}`;
  line.setAttribute('points', points);
}
