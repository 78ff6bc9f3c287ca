// The Room's shared page code: texts, the API client, the one element builder, charts.
//
// Every page builds its content with `el`/`svg`, which insert strings as text nodes and set
// attributes one by one: post text never passes through an HTML parser. No page writes
// innerHTML. Links from posts go through `safeUrl`, which keeps only http(s) addresses.
// Every string shown passes `plainText`, which neutralises bidi controls (below).
'use strict';
(function () {
  const data = JSON.parse(document.getElementById('room-data').textContent);
  const texts = data.texts || {};
  const locale = data.lang === 'en' ? 'en-GB' : 'nl-NL';

  function t(key, vars) {
    let s = texts[key];
    if (typeof s !== 'string') s = key;
    if (vars) {
      for (const k of Object.keys(vars)) s = s.split('{' + k + '}').join(String(vars[k]));
    }
    return s;
  }

  // Bidi embedding, override and isolate controls in a post, title or name reorder what is
  // shown after them: a title "rapport\u202Egpj.exe" reads as "rapportexe.jpg", a name can
  // pose as another. Each is shown as U+FFFD, so the trick stays visible and reorders
  // nothing; the marks (U+200E, U+200F, U+061C) stay, as they reorder nothing around them.
  const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/g;
  function plainText(s) {
    return String(s).replace(BIDI_CONTROLS, '\uFFFD');
  }

  function safeUrl(u) {
    if (typeof u !== 'string') return null;
    try {
      const url = new URL(u, location.href);
      return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
    } catch (e) {
      return null;
    }
  }

  // Addresses our own code builds: same-origin paths, fragments, blob: downloads.
  function ownUrl(u) {
    return typeof u === 'string' && (/^\/(?!\/)/.test(u) || u.startsWith('#') || u.startsWith('blob:'));
  }

  function setAttrs(node, attrs) {
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k.startsWith('on')) {
        if (typeof v === 'function') node.addEventListener(k.slice(2), v);
        continue;
      }
      if (k === 'href' || k === 'src' || k === 'action') {
        const ok = ownUrl(v) ? v : safeUrl(v);
        if (ok) node.setAttribute(k, ok);
        continue;
      }
      if (k === 'class') node.setAttribute('class', String(v));
      else if (k === 'value' && 'value' in node) node.value = String(v);
      else if (k === 'checked' || k === 'selected' || k === 'disabled') node[k] = !!v;
      else node.setAttribute(k, v === true ? '' : plainText(v));
    }
  }

  function append(node, children) {
    for (const c of children) {
      if (c === null || c === undefined || c === false) continue;
      if (Array.isArray(c)) append(node, c);
      else if (c instanceof Node) node.appendChild(c);
      else node.appendChild(document.createTextNode(plainText(c)));
    }
    return node;
  }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    setAttrs(node, attrs);
    return append(node, children);
  }

  const SVG_NS = 'http://www.w3.org/2000/svg';
  function svg(tag, attrs, ...children) {
    const node = document.createElementNS(SVG_NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || k.startsWith('on')) continue;
      node.setAttribute(k, String(v));
    }
    return append(node, children);
  }

  class ApiError extends Error {
    constructor(status, message, body) {
      super(message);
      this.status = status;
      this.body = body;
    }
  }

  async function api(path, options) {
    options = options || {};
    const init = { method: options.method || 'GET', headers: { Accept: 'application/json' }, credentials: 'same-origin' };
    // Every POST sends JSON (even an empty one): the API refuses other POSTs (forms).
    if (options.body !== undefined || init.method !== 'GET') {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(options.body === undefined ? {} : options.body);
    }
    let res;
    try {
      res = await fetch(path, init);
    } catch (e) {
      throw new ApiError(0, t('error.network'), null);
    }
    if (res.status === 401 && !options.allow401) {
      location.href = '/login?next=' + encodeURIComponent(location.pathname + location.search);
      throw new ApiError(401, t('error.signedout'), null);
    }
    let body = null;
    try {
      body = await res.json();
    } catch (e) {
      body = null;
    }
    // Error messages can quote what a user typed or a feed sent; they are often set as textContent.
    // `message` is the server's sentence in the page's language; `error` the English detail
    // (kept for API clients), shown only by an answer that has no `message`.
    if (!res.ok) throw new ApiError(res.status, plainText((body && (body.message || body.error)) || res.statusText), body);
    return body;
  }

  function errorBox(err) {
    const status = err && err.status ? ' (' + err.status + ')' : '';
    return el('p', { class: 'error', role: 'alert' }, t('error.prefix') + status + ': ' + (err && err.message ? err.message : String(err)));
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
    return node;
  }

  function fmtTime(iso, withDate) {
    if (!iso) return '–';
    const d = new Date(iso);
    if (isNaN(d)) return String(iso);
    const opts = { hour: '2-digit', minute: '2-digit' };
    if (withDate !== false) Object.assign(opts, { day: 'numeric', month: 'short', year: 'numeric' });
    return d.toLocaleString(locale, opts);
  }

  function fmtNum(n, digits) {
    if (n === null || n === undefined || Number.isNaN(n)) return '–';
    return Number(n).toLocaleString(locale, { maximumFractionDigits: digits === undefined ? 0 : digits });
  }

  function timeEl(iso) {
    return el('time', { datetime: iso || '' }, fmtTime(iso));
  }

  // A small line of counts with an accessible description.
  function sparkline(values, label) {
    const w = 120, h = 28;
    const max = Math.max(1, ...values);
    const step = values.length > 1 ? w / (values.length - 1) : w;
    const pts = values.map((v, i) => (i * step).toFixed(1) + ',' + (h - 2 - (v / max) * (h - 4)).toFixed(1)).join(' ');
    return svg('svg', { class: 'spark', width: w, height: h, viewBox: '0 0 ' + w + ' ' + h, role: 'img', 'aria-label': label },
      svg('polyline', { points: pts, fill: 'none', stroke: 'currentColor', 'stroke-width': 1.5 }));
  }

  const BUCKET_SECONDS = { '5m': 300, '1h': 3600, '1d': 86400 };

  // Points `{bucket_start, items}` of a sparse series as a dense list over [from, to).
  function dense(points, from, to, bucket, field) {
    const size = BUCKET_SECONDS[bucket] * 1000;
    const start = Math.floor(new Date(from).getTime() / size) * size;
    const end = new Date(to).getTime();
    const byTime = new Map();
    for (const p of points || []) byTime.set(new Date(p.bucket_start).getTime(), p[field || 'items'] || 0);
    const out = [];
    for (let x = start; x < end; x += size) out.push({ t: x, v: byTime.get(x) || 0 });
    return out;
  }

  // A line chart of one or two dense series, with spike markers. Returns an <svg>.
  function lineChart(series, options) {
    options = options || {};
    const W = 900, H = 320, L = 56, R = 16, T = 16, B = 40;
    const all = series.flatMap((s) => s.points);
    if (all.length === 0) return el('p', {}, t('chart.empty'));
    const t0 = Math.min(...all.map((p) => p.t)), t1 = Math.max(...all.map((p) => p.t));
    const vmax = Math.max(1, ...all.map((p) => p.v));
    const x = (tt) => L + (t1 === t0 ? 0 : ((tt - t0) / (t1 - t0)) * (W - L - R));
    const y = (v) => T + (H - T - B) * (1 - v / vmax);
    const root = svg('svg', { xmlns: SVG_NS, class: 'chart', viewBox: '0 0 ' + W + ' ' + H, width: '100%', role: 'img', 'aria-label': options.label || '' });
    root.appendChild(svg('rect', { x: 0, y: 0, width: W, height: H, fill: '#ffffff' }));
    for (let i = 0; i <= 4; i++) {
      const v = (vmax * i) / 4;
      root.appendChild(svg('line', { x1: L, x2: W - R, y1: y(v), y2: y(v), stroke: '#d0d4da', 'stroke-width': 1 }));
      root.appendChild(svg('text', { x: L - 6, y: y(v) + 4, 'text-anchor': 'end', 'font-size': 11, fill: '#333' }, fmtNum(v, 1)));
    }
    for (let i = 0; i <= 5; i++) {
      const tt = t0 + ((t1 - t0) * i) / 5;
      root.appendChild(svg('text', { x: x(tt), y: H - B + 18, 'text-anchor': 'middle', 'font-size': 11, fill: '#333' }, fmtTime(new Date(tt).toISOString())));
    }
    const colours = ['#1a4f8b', '#b34700'];
    series.forEach((s, i) => {
      const d = s.points.map((p, j) => (j ? 'L' : 'M') + x(p.t).toFixed(1) + ' ' + y(p.v).toFixed(1)).join(' ');
      root.appendChild(svg('path', { d: d, fill: 'none', stroke: colours[i % 2], 'stroke-width': 2, 'stroke-dasharray': i ? '6 3' : null, class: 'series series-' + i }));
    });
    for (const sp of options.spikes || []) {
      const tt = new Date(sp.start).getTime();
      if (tt < t0 || tt > t1) continue;
      const near = series[0].points.reduce((a, p) => (Math.abs(p.t - tt) < Math.abs(a.t - tt) ? p : a), series[0].points[0]);
      root.appendChild(svg('circle', { cx: x(near.t), cy: y(near.v), r: 7, fill: 'none', stroke: '#c00000', 'stroke-width': 3, class: 'spike-marker' },
        svg('title', {}, t('chart.spike') + ' ' + fmtTime(sp.start) + ': ' + fmtNum(sp.observed) + ' / ' + fmtNum(sp.expected, 1))));
    }
    root.appendChild(svg('line', { x1: L, x2: L, y1: T, y2: H - B, stroke: '#333' }));
    root.appendChild(svg('line', { x1: L, x2: W - R, y1: H - B, y2: H - B, stroke: '#333' }));
    return root;
  }

  // Text with byte spans [start, end) highlighted as <mark>. Spans index the UTF-8 bytes of
  // `text` (as the matcher reports them); overlapping spans merge.
  function highlight(text, hits) {
    const frag = document.createDocumentFragment();
    const bytes = new TextEncoder().encode(text || '');
    const dec = new TextDecoder();
    const spans = (hits || [])
      .filter((h) => h.end > h.start && h.end <= bytes.length)
      .map((h) => ({ start: h.start, end: h.end, label: h.category + ': ' + h.term + noted(hitNotes(h)) }))
      .sort((a, b) => a.start - b.start || b.end - a.end);
    const merged = [];
    for (const s of spans) {
      const last = merged[merged.length - 1];
      if (last && s.start < last.end) {
        last.end = Math.max(last.end, s.end);
        if (!last.labels.includes(s.label)) last.labels.push(s.label);
      } else merged.push({ start: s.start, end: s.end, labels: [s.label] });
    }
    let at = 0;
    for (const m of merged) {
      if (m.start > at) frag.appendChild(document.createTextNode(plainText(dec.decode(bytes.slice(at, m.start)))));
      frag.appendChild(el('mark', { title: m.labels.join(', '), 'data-terms': m.labels.join(', ') }, dec.decode(bytes.slice(m.start, m.end))));
      at = m.end;
    }
    if (at < bytes.length) frag.appendChild(document.createTextNode(plainText(dec.decode(bytes.slice(at)))));
    return frag;
  }

  // How a hit was found and what its context says, in the page's language, so an analyst
  // can judge a disguised or weakened hit (a negated or quoted hit counts less).
  function hitNotes(h) {
    const notes = [];
    switch (h.method) {
      case 'folded': notes.push(t('hit.folded')); break;
      case 'joined': notes.push(t('hit.joined')); break;
      case 'squeezed': notes.push(t('hit.squeezed')); break;
      case 'fuzzy': notes.push(t('hit.fuzzy')); break;
      default: break;
    }
    for (const tag of h.context || []) {
      if (tag === 'negated') notes.push(t('hit.negated'));
      else if (tag === 'quoted') notes.push(t('hit.quoted'));
      else if (tag === 'counter_speech') notes.push(t('hit.counter_speech'));
    }
    return notes;
  }

  // The same for a term of a signal's explanation: how many of its hits each note holds for.
  function termNotes(term) {
    const notes = [];
    for (const [method, n] of Object.entries(term.disguised || {})) {
      for (const note of hitNotes({ method })) notes.push(note + ' ' + n + '×');
    }
    for (const [tag, n] of Object.entries(term.context || {})) {
      for (const note of hitNotes({ context: [tag] })) notes.push(note + ' ' + n + '×');
    }
    return notes;
  }

  // ` (a, b)` after a term, or nothing.
  function noted(notes) {
    return notes.length ? ' (' + notes.join(', ') + ')' : '';
  }

  // A spike as /api/spikes, /api/overview and /api/events report it, flattened.
  function spike(s) {
    const e = s.evidence || s;
    return {
      category: e.category, term: e.term || null, bucket: e.bucket || '1h', start: e.bucket_start,
      end: s.end, observed: e.items !== undefined ? e.items : s.observed, expected: e.expected, ratio: s.ratio, state: s.state || 'open',
    };
  }

  function download(filename, mime, content) {
    const blob = content instanceof Blob ? content : new Blob([content], { type: mime });
    const url = URL.createObjectURL(blob);
    const a = el('a', { href: url, download: filename, hidden: true });
    document.body.appendChild(a);
    a.click();
    setTimeout(() => {
      URL.revokeObjectURL(url);
      a.remove();
    }, 1000);
  }

  function csvCell(v) {
    let s = v === null || v === undefined ? '' : String(v);
    if (/^[=+\-@\t\r]/.test(s)) s = "'" + s; // no formulas in spreadsheets
    return /[",\n\r]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }

  function csv(rows) {
    return rows.map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
  }

  function params() {
    return new URLSearchParams(location.search);
  }

  function query(obj) {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(obj)) if (v !== null && v !== undefined && v !== '') p.set(k, v);
    return p.toString();
  }

  function field(id, label, control, hint) {
    control.id = id;
    return el('p', { class: 'field' }, el('label', { for: id }, label), control, hint ? el('span', { class: 'hint' }, hint) : null);
  }

  function select(name, options, value) {
    const s = el('select', { name: name });
    for (const [v, label] of options) s.appendChild(el('option', { value: v, selected: v === value }, label));
    return s;
  }

  function bucketSelect(value) {
    return select('bucket', ['5m', '1h', '1d'].map((b) => [b, t('bucket.' + b)]), value);
  }

  // The hits of `matches` in one field of an item (`title`, or `text`, the default).
  function hitsIn(matches, field) {
    return (matches || []).filter((h) => (h.field || 'text') === field);
  }

  function table(caption, headers, rows) {
    return el('table', {},
      el('caption', {}, caption),
      el('thead', {}, el('tr', {}, headers.map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, rows.map((r) => el('tr', {}, r.map((c) => el('td', {}, c))))));
  }

  // The municipality filter every page offers: the region's municipalities (a scoped
  // account's own only), the choice remembered per account (`POST /api/settings`) and taken
  // from the address first, so a link to one municipality's trends shows it.
  function municipalityChoice() {
    const asked = params().get('municipality');
    if (asked !== null) return asked;
    return (data.chosen && data.chosen[0]) || '';
  }

  function municipalitySelect(value) {
    const all = data.scope && data.scope.length ? t('filter.municipality.scope') : t('filter.municipality.all');
    return select('municipality', [['', all]].concat((data.region || []).map((m) => [m.code, m.name])), value);
  }

  // Keep the choice for this account when it changed; the page works on without it.
  async function rememberMunicipality(code) {
    const before = (data.chosen && data.chosen[0]) || '';
    if (code === before) return;
    data.chosen = code ? [code] : [];
    try {
      await api('/api/settings', { method: 'POST', body: { municipalities: data.chosen } });
    } catch (e) {
      /* not kept: the filter still applies to this page */
    }
  }

  function hasRole(role) {
    return !!(data.user && data.user.roles.includes(role));
  }

  function page() {
    return document.getElementById('page');
  }

  function announce(message) {
    let live = document.getElementById('live');
    if (!live) {
      live = el('p', { id: 'live', class: 'visually-hidden', 'aria-live': 'polite' });
      document.body.appendChild(live);
    }
    live.textContent = plainText(message);
  }

  // The language switch goes back to the page as it is now: its path and its query (the
  // page's filters), not the bare path the server rendered into the link.
  function langLinksHere() {
    for (const a of document.querySelectorAll('a.lang')) {
      const href = new URL(a.getAttribute('href'), location.href);
      href.searchParams.set('next', location.pathname + location.search);
      a.setAttribute('href', href.pathname + href.search);
    }
  }

  // Put a page's view (its filters, as a query string) into the address without a reload,
  // so a reload, a bookmark or the language switch keeps it.
  function keepAddress(query) {
    history.replaceState(null, '', location.pathname + (query ? '?' + query : ''));
    langLinksHere();
  }

  document.addEventListener('DOMContentLoaded', () => {
    langLinksHere();
    const out = document.getElementById('logout');
    if (out) {
      out.addEventListener('click', async () => {
        try {
          await api('/api/logout', { method: 'POST', allow401: true });
        } catch (e) {
          /* signed out either way */
        }
        location.href = '/login';
      });
    }
  });

  window.Room = {
    data, t, el, svg, api, ApiError, errorBox, clear, fmtTime, fmtNum, timeEl, sparkline, dense,
    lineChart, highlight, spike, download, csv, params, query, field, select, bucketSelect, hitsIn, table, hasRole, page,
    announce, safeUrl, plainText, hitNotes, termNotes, noted, BUCKET_SECONDS, keepAddress,
    municipalityChoice, municipalitySelect, rememberMunicipality,
  };
})();
