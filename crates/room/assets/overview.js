// Overzicht: what rises now, open spikes, source health. New spikes arrive over
// server-sent events (/api/events) and are added without a reload.
'use strict';
document.addEventListener('DOMContentLoaded', () => {
  const R = window.Room;
  const { el, t } = R;
  const root = R.page();

  function spikeKey(x) {
    return x.category + '\u0000' + (x.term || '') + '\u0000' + x.start;
  }

  const labels = {};

  function spikeRow(x) {
    const category = labels[x.category] || x.category;
    const name = x.term ? x.term + ' (' + category + ')' : category;
    const q = R.query({ category: x.category, term: x.term, bucket: x.bucket, at: x.start });
    return el('li', { class: 'spike', 'data-key': spikeKey(x), 'data-category': x.category, 'data-term': x.term || '' },
      el('strong', {}, name), ' ',
      el('span', { class: 'badge ' + x.state }, t('spike.state.' + x.state)), ' ',
      t('spike.size', { observed: R.fmtNum(x.observed), expected: R.fmtNum(x.expected, 1), ratio: R.fmtNum(x.ratio, 1) }), ' · ',
      R.timeEl(x.start), ' · ',
      el('a', { href: '/trends?' + R.query({ category: x.category, term: x.term, focus: x.start }), class: 'spike-trend' }, t('spike.trend')),
      R.hasRole('analyst') || R.hasRole('curator') ? [' · ', el('a', { href: '/berichten?' + q, class: 'spike-items' }, t('spike.items'))] : null);
  }

  let spikeList = null;
  const seen = new Set();

  function addSpike(raw, announce) {
    const s = R.spike(raw);
    const key = spikeKey(s);
    if (seen.has(key) || !spikeList) return;
    seen.add(key);
    const empty = spikeList.querySelector('.empty');
    if (empty) empty.remove();
    const row = spikeRow(s);
    if (announce) {
      row.classList.add('new');
      spikeList.insertBefore(row, spikeList.firstChild);
      R.announce(t('spike.new', { name: s.term || s.category }));
    } else spikeList.appendChild(row);
  }

  function categoriesCard(o) {
    const rows = (o.categories || []).map((c) => [
      el('a', { href: '/trends?' + R.query({ category: c.category }) }, c.label || c.category),
      R.fmtNum(c.items),
      R.fmtNum(c.previous_items),
      c.previous_items ? R.fmtNum(c.ratio, 2) + '×' : (c.items ? t('overview.new') : '–'),
      R.sparkline((c.sparkline || []).map(Number), t('overview.spark', { name: c.label || c.category })),
    ]);
    return el('section', { class: 'card', 'aria-labelledby': 'h-cat' },
      el('h2', { id: 'h-cat' }, t('overview.categories')),
      R.table(t('overview.categories.caption', { hours: o.hours || 24 }),
        [t('col.category'), t('col.now'), t('col.before'), t('col.ratio'), t('col.week')], rows));
  }

  function risingCard(o) {
    const rows = (o.rising_terms || []).map((r) => [
      el('a', { href: '/trends?' + R.query({ category: r.category, term: r.term }) }, r.term),
      labels[r.category] || r.category,
      R.fmtNum(r.items),
      R.fmtNum(r.previous_items),
      R.fmtNum(r.ratio, 1) + '×',
      r.sparkline ? R.sparkline(r.sparkline.map(Number), t('overview.spark', { name: r.term })) : '',
    ]);
    return el('section', { class: 'card', 'aria-labelledby': 'h-rising' },
      el('h2', { id: 'h-rising' }, t('overview.rising')),
      rows.length ? R.table(t('overview.rising.caption'), [t('col.term'), t('col.category'), t('col.now'), t('col.before'), t('col.ratio'), t('col.week')], rows)
        : el('p', { class: 'muted' }, t('overview.rising.none')));
  }

  function spikesCard(o) {
    spikeList = el('ul', { id: 'spikes', class: 'spikes' });
    const section = el('section', { class: 'card', 'aria-labelledby': 'h-spikes' },
      el('h2', { id: 'h-spikes' }, t('overview.spikes')), spikeList);
    if (o.spikes_error) section.appendChild(el('p', { class: 'error', role: 'alert' }, o.spikes_error));
    for (const s of o.spikes || []) addSpike(s, false);
    if (!seen.size) spikeList.appendChild(el('li', { class: 'empty muted' }, t('overview.spikes.none')));
    return section;
  }

  function sourcesCard(o) {
    const section = el('section', { class: 'card', 'aria-labelledby': 'h-sources' }, el('h2', { id: 'h-sources' }, t('overview.sources')));
    const s = o.sources;
    if (!s) {
      section.appendChild(el('p', { class: 'muted' }, o.sources_error || t('sources.none')));
      return section;
    }
    section.appendChild(el('p', {}, t('overview.sources.summary', { total: (s.sources || []).length, failing: s.failing })));
    const failing = (s.sources || []).filter((x) => x.consecutive_failures > 0);
    if (failing.length) {
      section.appendChild(el('ul', {}, failing.map((x) => el('li', {}, el('span', { class: 'badge failing' }, t('sources.failing')), ' ', x.id, ': ', x.last_error ? x.last_error.message : ''))));
    }
    section.appendChild(el('p', {}, el('a', { href: '/bronnen' }, t('overview.sources.all'))));
    return section;
  }

  function connect() {
    if (!window.EventSource) return;
    const events = new EventSource('/api/events');
    events.addEventListener('spike', (e) => {
      try {
        addSpike(JSON.parse(e.data), true);
      } catch (err) {
        /* a malformed event is skipped */
      }
    });
  }

  // The municipality filter: the overview of one municipality of the region, or all of it.
  let municipality = R.municipalityChoice();
  const choice = R.municipalitySelect(municipality);
  const filter = el('form', { class: 'card filters', id: 'overview-filter' }, R.field('o-municipality', t('filter.municipality'), choice));
  filter.addEventListener('submit', (e) => e.preventDefault());
  choice.addEventListener('change', () => {
    municipality = choice.value;
    R.rememberMunicipality(municipality);
    R.keepAddress(R.query({ municipality: municipality }));
    load();
  });

  async function load() {
    R.clear(root).appendChild(filter);
    root.appendChild(el('p', { class: 'muted', id: 'loading' }, t('loading')));
    try {
      const o = await R.api('/api/overview' + (municipality ? '?' + R.query({ municipality: municipality }) : ''));
      R.clear(root).appendChild(filter);
      for (const c of o.categories || []) if (c.label) labels[c.category] = c.label;
      const totals = o.totals || {};
      root.appendChild(el('p', { class: 'summary' }, t('overview.summary', { items: R.fmtNum(totals.items), flagged: R.fmtNum(totals.flagged_items !== undefined ? totals.flagged_items : totals.flagged), hours: o.hours || 24 })));
      root.appendChild(spikesCard(o));
      root.appendChild(categoriesCard(o));
      root.appendChild(risingCard(o));
      root.appendChild(sourcesCard(o));
    } catch (e) {
      R.clear(root).appendChild(filter);
      root.appendChild(R.errorBox(e));
    }
  }

  load().then(connect);
});
