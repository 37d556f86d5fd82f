// Building elements in code (the page's policy allows no inline HTML from strings): h(tag, props, ...children).

/** An element with properties (`class`, `text`, `on*` handlers, data-/aria- and other attributes) and children. */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k in el && !k.includes('-')) el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Number.POSITIVE_INFINITY)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

/** A definition list from [term, description] pairs; a null description leaves the pair out. */
export function facts(pairs) {
  return h(
    'dl',
    { class: 'facts' },
    pairs
      .filter(([, d]) => d !== null && d !== undefined)
      .map(([t, d]) => [h('dt', { text: t }), h('dd', {}, d)]),
  );
}

/** Inline code. */
export function code(text) {
  return h('code', { text });
}
