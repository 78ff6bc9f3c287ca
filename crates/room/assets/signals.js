// Signalen: the queue. One state at a time (to review, confirmed, dismissed) with its count,
// filters (category, source, origin), sort, paging with the total, bulk dismiss of selected
// candidates with one reason, each card titled by what it is (category label, top terms,
// source), and the export for the i2o case table. The view lives in the address (state,
// filters, sort, offset), so a reload or the language switch keeps it.
'use strict';
document.addEventListener('DOMContentLoaded', () => {
  const R = window.Room;
  const { el, t } = R;
  const root = R.page();
  const analyst = R.hasRole('analyst');
  const deliveryReader = R.hasRole('i2o_liaison') || R.hasRole('admin');
  const exporter = analyst || R.hasRole('i2o_liaison');
  // The i2o liaison sees confirmed signals only (the API refuses the other states to it).
  const allStates = analyst || R.hasRole('admin');
  const STATES = allStates ? ['candidate', 'confirmed', 'dismissed'] : ['confirmed'];
  const PAGE = 50;

  // The view, read from the address. The liaison lands on what was confirmed; whoever
  // decides on candidates lands on them.
  const p = R.params();
  const view = {
    state: STATES.includes(p.get('state')) ? p.get('state') : (R.hasRole('i2o_liaison') || !analyst ? 'confirmed' : 'candidate'),
    category: p.get('category') || '',
    source: p.get('source') || '',
    origin: p.get('origin') || '',
    municipality: R.municipalityChoice(),
    sort: p.get('sort') === 'score' ? 'score' : 'newest',
    offset: Math.max(0, parseInt(p.get('offset') || '0', 10) || 0),
  };
  const labels = {};

  function keepInAddress() {
    const q = R.query({
      state: view.state, category: view.category, source: view.source, origin: view.origin,
      municipality: view.municipality, sort: view.sort === 'newest' ? '' : view.sort, offset: view.offset || '',
    });
    R.keepAddress(q);
  }

  function label(category) {
    return labels[category] || category;
  }

  // The category a signal is about: a spike's, or the flagged item's best flagged category
  // (its best category when none reached its threshold).
  function mainCategory(s) {
    const o = s.origin || {};
    if (o.kind === 'spike') return o.category;
    const cats = ((s.explanation || {}).categories || []).slice().sort((a, b) => (b.flagged - a.flagged) || (b.score - a.score));
    return cats.length ? cats[0].category : null;
  }

  function topTerms(s) {
    return ((s.explanation || {}).terms || []).slice().sort((a, b) => b.hits - a.hits).slice(0, 3).map((h) => h.term);
  }

  function sourceOf(s) {
    const x = s.explanation || {};
    if (x.source) return x.source.id;
    const o = s.origin || {};
    return o.filter && o.filter.source ? o.filter.source : null;
  }

  // "Anti-overheid · volksverraders, tribunaal · nos": what the signal is, at a glance.
  function title(s) {
    const category = mainCategory(s);
    const parts = [(s.origin && s.origin.kind === 'spike' ? t('signals.kind.spike') + ': ' : '') + (category ? label(category) : t('signals.kind.item'))];
    const terms = topTerms(s);
    if (terms.length) parts.push(terms.join(', '));
    const source = sourceOf(s);
    if (source) parts.push(source);
    return parts.join(' · ');
  }

  function originText(s) {
    const o = s.origin || {};
    if (o.kind === 'spike') return t('signals.origin.spike', { subject: o.term ? o.term + ' (' + label(o.category) + ')' : label(o.category), start: R.fmtTime(o.bucket_start) });
    return t('signals.origin.item');
  }

  function explanation(s) {
    const x = s.explanation || {};
    const terms = (x.terms || []).map((h) => h.term + ' (' + label(h.category) + ') ×' + h.hits + R.noted(R.termNotes(h))).join('; ');
    const cats = (x.categories || []).map((c) => label(c.category) + ' ' + R.fmtNum(c.score, 2) + (c.flagged ? ' ⚑' : '')).join(', ');
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
        load();
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
      const attempts = d.attempts || [];
      const last = attempts[attempts.length - 1];
      holder.appendChild(el('p', { class: 'delivery' }, t('signals.delivery') + ': ', el('span', { class: 'badge' }, t('delivery.' + d.state)),
        ' ', t('signals.attempts', { n: attempts.length }),
        last ? ' · ' + t('signals.lastattempt') + ' ' + R.fmtTime(last.at) + ' (' + (last.status || last.error || '') + ')' : ''));
    } catch (e) {
      if (e.status !== 404) holder.appendChild(R.errorBox(e));
      else holder.appendChild(el('p', { class: 'muted delivery' }, t('signals.delivery.none')));
    }
  }

  const selected = new Set();

  function card(s) {
    const holder = el('div', { class: 'item-holder' });
    const pick = analyst && s.state === 'candidate'
      ? el('input', { type: 'checkbox', class: 'select', id: 'select-' + s.id, 'data-id': s.id, checked: selected.has(s.id) })
      : null;
    if (pick) {
      pick.addEventListener('change', () => {
        if (pick.checked) selected.add(s.id);
        else selected.delete(s.id);
        bulkState();
      });
    }
    const c = el('article', { class: 'card signal', 'data-id': s.id, 'data-state': s.state },
      el('h3', { class: 'signal-title' }, pick, pick ? el('label', { for: 'select-' + s.id }, title(s)) : title(s)),
      el('p', { class: 'muted' }, originText(s), ' · ', t('signals.created') + ' ', R.timeEl(s.created_at), ' · ', s.id),
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

  // Tools: export and scan.
  const tools = el('div', { class: 'card actions', id: 'signal-tools' });
  if (exporter) {
    tools.appendChild(el('a', { class: 'button', id: 'export-json', href: '/api/signals/export?format=json&state=confirmed', download: '' }, t('signals.export.json')));
    tools.appendChild(el('a', { class: 'button', id: 'export-csv', href: '/api/signals/export?format=csv&state=confirmed', download: '' }, t('signals.export.csv')));
  }
  if (analyst) {
    const scanStatus = el('span', { role: 'status', id: 'scan-status' });
    tools.appendChild(el('button', { type: 'button', class: 'secondary', id: 'scan', onclick: async () => {
      scanStatus.textContent = t('loading');
      try {
        const now = new Date();
        const res = await R.api('/api/signals/scan', { method: 'POST', body: { from: new Date(now - 7 * 86400000).toISOString(), to: now.toISOString() } });
        const s = res.summary || {};
        const n = (s.item_candidates || 0) + (s.spike_candidates || 0);
        scanStatus.textContent = n === 1 ? t('signals.scanned.one') : t('signals.scanned', { n: R.fmtNum(n) });
        load();
      } catch (e) {
        scanStatus.textContent = t('error.prefix') + ': ' + e.message;
      }
    } }, t('signals.scan')));
    tools.appendChild(scanStatus);
  }
  root.appendChild(tools);

  // One button per state, with its count under the filters.
  const tabs = el('div', { class: 'actions state-tabs', role: 'group', 'aria-label': t('signals.states') });
  const tabButtons = {};
  for (const state of STATES) {
    const b = el('button', { type: 'button', class: 'secondary', id: 'tab-' + state, 'data-state': state }, t('signals.state.' + state));
    b.addEventListener('click', () => {
      view.state = state;
      view.offset = 0;
      load();
    });
    tabButtons[state] = b;
    tabs.appendChild(b);
  }
  root.appendChild(tabs);

  // Filters and sort.
  const categorySelect = R.select('category', [['', t('signals.filter.all')]], view.category);
  const sourceSelect = R.select('source', [['', t('signals.filter.all')]], view.source);
  const originSelect = R.select('origin', [['', t('signals.filter.all')], ['flagged_item', t('signals.kind.item')], ['spike', t('signals.kind.spike')]], view.origin);
  const municipalitySelect = R.municipalitySelect(view.municipality);
  const sortSelect = R.select('sort', [['newest', t('signals.sort.newest')], ['score', t('signals.sort.score')]], view.sort);
  const filters = el('form', { class: 'card filters', id: 'signal-filters' },
    R.field('filter-municipality', t('filter.municipality'), municipalitySelect),
    R.field('filter-category', t('signals.filter.category'), categorySelect),
    R.field('filter-source', t('signals.filter.source'), sourceSelect),
    R.field('filter-origin', t('signals.filter.origin'), originSelect),
    R.field('filter-sort', t('signals.sort'), sortSelect));
  filters.addEventListener('change', () => {
    view.category = categorySelect.value;
    view.source = sourceSelect.value;
    view.origin = originSelect.value;
    view.municipality = municipalitySelect.value;
    R.rememberMunicipality(view.municipality);
    view.sort = sortSelect.value;
    view.offset = 0;
    load();
  });
  filters.addEventListener('submit', (e) => e.preventDefault());
  root.appendChild(filters);

  // Choices the filters offer, from the answer; a chosen value stays even when it no longer
  // occurs (so the form shows what the list is filtered on).
  function offer(selectNode, values, chosen, text) {
    const list = values.slice();
    if (chosen && !list.includes(chosen)) list.push(chosen);
    R.clear(selectNode).appendChild(el('option', { value: '' }, t('signals.filter.all')));
    for (const v of list) selectNode.appendChild(el('option', { value: v, selected: v === chosen }, text(v)));
  }

  // Bulk dismiss of the selected candidates, with one reason.
  const bulkReason = el('input', { type: 'text', id: 'bulk-reason', name: 'bulk-reason' });
  const bulkError = el('p', { class: 'error', role: 'alert', id: 'bulk-error' });
  const bulkButton = el('button', { type: 'submit', id: 'bulk-dismiss', class: 'secondary' }, t('signals.bulk.dismiss', { n: 0 }));
  const selectAll = el('input', { type: 'checkbox', id: 'select-all' });
  const bulk = el('form', { class: 'card bulk', id: 'bulk', novalidate: true, hidden: true },
    el('p', {}, selectAll, ' ', el('label', { for: 'select-all' }, t('signals.bulk.all'))),
    R.field('bulk-reason', t('signals.bulk.reason'), bulkReason),
    bulkError,
    el('div', { class: 'actions' }, bulkButton));
  function bulkState() {
    bulkButton.textContent = t('signals.bulk.dismiss', { n: selected.size });
    bulkButton.disabled = selected.size === 0;
  }
  selectAll.addEventListener('change', () => {
    for (const box of list.querySelectorAll('input.select')) {
      box.checked = selectAll.checked;
      if (box.checked) selected.add(box.dataset.id);
      else selected.delete(box.dataset.id);
    }
    bulkState();
  });
  bulk.addEventListener('submit', async (e) => {
    e.preventDefault();
    bulkError.textContent = '';
    const reason = bulkReason.value.trim();
    if (!reason) {
      bulkError.textContent = t('signals.bulk.reason.required');
      bulkReason.focus();
      return;
    }
    const ids = [...selected];
    try {
      const res = await R.api('/api/signals/dismiss', { method: 'POST', body: { ids, reason } });
      selected.clear();
      bulkReason.value = '';
      R.announce(t('signals.bulk.done', { n: res.dismissed.length }));
      load();
    } catch (err) {
      bulkError.textContent = t('error.prefix') + ': ' + err.message;
    }
  });
  if (analyst) root.appendChild(bulk);

  const summary = el('p', { id: 'signals-summary', role: 'status' });
  const list = el('div', { id: 'signals-' + view.state, class: 'signal-list' });
  const prev = el('button', { type: 'button', class: 'secondary', id: 'prev' }, t('items.prev'));
  const next = el('button', { type: 'button', class: 'secondary', id: 'next' }, t('items.next'));
  prev.addEventListener('click', () => {
    view.offset = Math.max(0, view.offset - PAGE);
    load();
  });
  next.addEventListener('click', () => {
    view.offset += PAGE;
    load();
  });
  const heading = el('h2', { id: 'signals-heading' });
  root.appendChild(el('section', { 'aria-labelledby': 'signals-heading' }, heading, summary, list,
    el('div', { class: 'actions pager' }, prev, next)));

  let loading = 0;
  async function load() {
    const mine = ++loading;
    keepInAddress();
    for (const [state, b] of Object.entries(tabButtons)) b.setAttribute('aria-pressed', String(state === view.state));
    heading.textContent = t('signals.state.' + view.state);
    list.id = 'signals-' + view.state;
    bulk.hidden = !(analyst && view.state === 'candidate');
    R.clear(list).appendChild(el('p', { class: 'muted' }, t('loading')));
    try {
      const res = await R.api('/api/signals?' + R.query({
        state: view.state, category: view.category, source: view.source, origin: view.origin,
        municipality: view.municipality, sort: view.sort, limit: PAGE, offset: view.offset,
      }));
      if (mine !== loading) return;
      for (const c of res.facets.categories) if (c.label) labels[c.category] = c.label;
      offer(categorySelect, res.facets.categories.map((c) => c.category), view.category, label);
      offer(sourceSelect, res.facets.sources, view.source, (v) => v);
      for (const [state, b] of Object.entries(tabButtons)) {
        b.textContent = t('signals.state.' + state) + ' (' + R.fmtNum((res.counts || {})[state] || 0) + ')';
      }
      R.clear(list);
      // Keep only selections still on this page.
      const shown = new Set(res.signals.map((s) => s.id));
      for (const id of [...selected]) if (!shown.has(id)) selected.delete(id);
      selectAll.checked = false;
      bulkState();
      if (!res.signals.length) {
        summary.textContent = '';
        list.appendChild(el('p', { class: 'muted empty' }, t('signals.none.' + view.state)));
      } else {
        summary.textContent = t('signals.range', { from: R.fmtNum(res.offset + 1), to: R.fmtNum(res.offset + res.signals.length), total: R.fmtNum(res.total) });
      }
      for (const s of res.signals) list.appendChild(card(s));
      prev.disabled = view.offset === 0;
      next.disabled = res.next_offset === null || res.next_offset === undefined;
    } catch (e) {
      if (mine === loading) R.clear(list).appendChild(R.errorBox(e));
    }
  }
  load();
});
