// Signalen: the review queue (confirm with a required reason, dismiss), confirmed signals
// with their explanation and webhook delivery, and the export for the i2o case table.
'use strict';
document.addEventListener('DOMContentLoaded', () => {
  const R = window.Room;
  const { el, t } = R;
  const root = R.page();
  const analyst = R.hasRole('analyst');
  const deliveryReader = R.hasRole('i2o_liaison') || R.hasRole('admin');
  const exporter = analyst || R.hasRole('i2o_liaison');

  const lists = {};

  function originText(s) {
    const o = s.origin || {};
    if (o.kind === 'spike') return t('signals.origin.spike', { subject: o.term ? o.term + ' (' + o.category + ')' : o.category, start: R.fmtTime(o.bucket_start) });
    return t('signals.origin.item');
  }

  function explanation(s) {
    const x = s.explanation || {};
    const terms = (x.terms || []).map((h) => h.term + ' (' + h.category + ') ×' + h.hits + R.noted(R.termNotes(h))).join('; ');
    const cats = (x.categories || []).map((c) => c.category + ' ' + R.fmtNum(c.score, 2) + (c.flagged ? ' ⚑' : '')).join(', ');
    const safe = R.safeUrl(x.link);
    const rows = [
      [t('signals.terms'), terms || '–'],
      [t('signals.categories'), cats || '–'],
      [t('signals.lexicon'), x.lexicon_version || '–'],
      [t('items.source'), x.source ? x.source.id + (x.source.tags && x.source.tags.length ? ' [' + x.source.tags.join(', ') + ']' : '') : '–'],
      [t('items.time'), R.timeEl(x.event_time)],
      [t('items.author'), x.author || '–'],
      [t('signals.link'), safe ? el('a', { href: safe, rel: 'noopener noreferrer nofollow', target: '_blank' }, t('items.link.open')) : (x.link ? t('items.link.unsafe') : '–')],
    ];
    return el('dl', { class: 'explanation' }, rows.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
  }

  function itemButton(s, holder) {
    if (!analyst || !s.origin || s.origin.kind !== 'flagged_item') {
      if (s.origin && s.origin.kind === 'spike' && (analyst || R.hasRole('curator'))) {
        const o = s.origin;
        return el('p', {}, el('a', { href: '/berichten?' + R.query({ category: o.category, term: o.term, bucket: o.bucket, at: o.bucket_start }) }, t('spike.items')));
      }
      return null;
    }
    const button = el('button', { type: 'button', class: 'secondary', 'aria-expanded': 'false' }, t('signals.showitem'));
    button.addEventListener('click', async () => {
      button.disabled = true;
      try {
        const item = await R.api('/api/signals/' + encodeURIComponent(s.id) + '/item');
        R.clear(holder).appendChild(el('div', { class: 'item' },
          item.title ? el('h4', { class: 'title' }, R.highlight(item.title, R.hitsIn(item.matches, 'title'))) : null,
          item.text_purged ? el('p', { class: 'muted' }, t('items.purged')) : el('p', { class: 'text' }, R.highlight(item.text, R.hitsIn(item.matches, 'text')))));
        button.setAttribute('aria-expanded', 'true');
      } catch (e) {
        R.clear(holder).appendChild(R.errorBox(e));
        button.disabled = false;
      }
    });
    return el('p', {}, button);
  }

  function decisionForm(s, card) {
    if (!analyst || s.state !== 'candidate') return null;
    const id = 'reason-' + s.id;
    const reason = el('textarea', { id: id, name: 'reason', rows: 2, required: true, 'aria-describedby': id + '-hint' });
    const error = el('p', { class: 'error', role: 'alert' });
    const form = el('form', { class: 'decision', novalidate: true },
      el('label', { for: id }, t('signals.reason')), reason,
      el('span', { class: 'hint', id: id + '-hint' }, t('signals.reason.hint')),
      error,
      el('div', { class: 'actions' },
        el('button', { type: 'submit', name: 'confirm', class: 'confirm' }, t('signals.confirm')),
        el('button', { type: 'button', class: 'secondary dismiss', onclick: () => decide(false) }, t('signals.dismiss'))));
    async function decide(confirm) {
      error.textContent = '';
      const text = reason.value.trim();
      if (confirm && !text) {
        error.textContent = t('signals.reason.required');
        reason.focus();
        return;
      }
      try {
        await R.api('/api/signals/' + encodeURIComponent(s.id) + '/' + (confirm ? 'confirm' : 'dismiss'), { method: 'POST', body: { reason: text || null } });
        card.remove();
        R.announce(confirm ? t('signals.confirmed.done') : t('signals.dismissed.done'));
        loadAll();
      } catch (e) {
        error.textContent = t('error.prefix') + ': ' + e.message;
      }
    }
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      decide(true);
    });
    return form;
  }

  async function deliveries(s, holder) {
    try {
      const d = await R.api('/api/signals/' + encodeURIComponent(s.id) + '/deliveries');
      holder.appendChild(el('p', { class: 'delivery' }, t('signals.delivery') + ': ', el('span', { class: 'badge' }, t('delivery.' + d.state)),
        ' ', t('signals.attempts', { n: (d.attempts || []).length }),
        (d.attempts || []).length ? ' · ' + t('signals.lastattempt') + ' ' + R.fmtTime(d.attempts[d.attempts.length - 1].at) + ' (' + (d.attempts[d.attempts.length - 1].status || d.attempts[d.attempts.length - 1].error || '') + ')' : ''));
    } catch (e) {
      if (e.status !== 404) holder.appendChild(R.errorBox(e));
      else holder.appendChild(el('p', { class: 'muted delivery' }, t('signals.delivery.none')));
    }
  }

  function card(s) {
    const holder = el('div', { class: 'item-holder' });
    const c = el('article', { class: 'card signal', 'data-id': s.id, 'data-state': s.state },
      el('h3', {}, originText(s)),
      el('p', { class: 'muted' }, t('signals.created') + ' ', R.timeEl(s.created_at), ' · ', s.id),
      explanation(s),
      itemButton(s, holder), holder);
    if (s.decision) {
      c.appendChild(el('p', { class: 'decision-made' }, t('signals.decided', { by: s.decision.by, at: R.fmtTime(s.decision.at) }), s.decision.reason ? ': ' + s.decision.reason : ''));
    }
    const form = decisionForm(s, c);
    if (form) c.appendChild(form);
    if (s.state === 'confirmed' && deliveryReader) {
      const d = el('div', {});
      c.appendChild(d);
      deliveries(s, d);
    }
    return c;
  }

  function section(state, title) {
    const list = el('div', { id: 'signals-' + state });
    lists[state] = list;
    return el('section', { 'aria-labelledby': 'h-' + state }, el('h2', { id: 'h-' + state }, title), list);
  }

  async function load(state) {
    const list = lists[state];
    R.clear(list).appendChild(el('p', { class: 'muted' }, t('loading')));
    try {
      const res = await R.api('/api/signals?' + R.query({ state: state, limit: 100 }));
      R.clear(list);
      if (!res.signals.length) list.appendChild(el('p', { class: 'muted empty' }, t('signals.none.' + state)));
      for (const s of res.signals) list.appendChild(card(s));
    } catch (e) {
      R.clear(list).appendChild(R.errorBox(e));
    }
  }

  // The i2o liaison sees confirmed signals only (the API refuses the other states to it).
  const allStates = analyst || R.hasRole('admin');

  function loadAll() {
    if (allStates) load('candidate');
    load('confirmed');
    if (allStates) load('dismissed');
  }

  const tools = el('div', { class: 'card actions', id: 'signal-tools' });
  if (exporter) {
    tools.appendChild(el('a', { class: 'button', id: 'export-json', href: '/api/signals/export?format=json&state=confirmed', download: '' }, t('signals.export.json')));
    tools.appendChild(el('a', { class: 'button', id: 'export-csv', href: '/api/signals/export?format=csv&state=confirmed', download: '' }, t('signals.export.csv')));
  }
  if (analyst) {
    const scanStatus = el('span', { role: 'status' });
    tools.appendChild(el('button', { type: 'button', class: 'secondary', id: 'scan', onclick: async () => {
      scanStatus.textContent = t('loading');
      try {
        const now = new Date();
        const res = await R.api('/api/signals/scan', { method: 'POST', body: { from: new Date(now - 7 * 86400000).toISOString(), to: now.toISOString() } });
        scanStatus.textContent = t('signals.scanned', { n: res.summary && res.summary.created !== undefined ? res.summary.created : JSON.stringify(res.summary) });
        loadAll();
      } catch (e) {
        scanStatus.textContent = t('error.prefix') + ': ' + e.message;
      }
    } }, t('signals.scan')));
    tools.appendChild(scanStatus);
  }
  root.appendChild(tools);
  if (allStates) root.appendChild(section('candidate', t('signals.queue')));
  root.appendChild(section('confirmed', t('signals.confirmed')));
  if (allStates) root.appendChild(el('details', {}, el('summary', {}, t('signals.dismissed')), section('dismissed', t('signals.dismissed'))));
  loadAll();
});
