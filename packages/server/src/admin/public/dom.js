// Builds DOM nodes from data. Text from the server always goes in as text, never as HTML.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    // Through the CSSOM: the page's CSP forbids style attributes.
    else if (k === 'style') el.style.cssText = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat())
    if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

export function byId(id) {
  return document.getElementById(id);
}

/** Replaces the children of the element `id`. */
export function fill(id, ...children) {
  byId(id).replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
}

/** A table with a header row; `rows` are arrays of cells (text or nodes). */
export function table(headers, rows, caption) {
  return h(
    'table',
    {},
    caption ? h('caption', { class: 'visually-hidden' }, caption) : null,
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        headers.map((x) => h('th', { scope: 'col' }, x)),
      ),
    ),
    h(
      'tbody',
      {},
      rows.map((r) =>
        h(
          'tr',
          {},
          r.map((c) => h('td', {}, c)),
        ),
      ),
    ),
  );
}

export function showError(id, message) {
  const el = byId(id);
  el.textContent = message ?? '';
  el.hidden = !message;
}
