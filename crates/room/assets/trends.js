// Trend explorer: a category or term over time, filtered, with a second series to compare,
// spikes marked; the series as CSV and the chart as SVG or PNG.
'use strict';
document.addEventListener('DOMContentLoaded', () => {
  const R = window.Room;
  const { el, t } = R;
  const root = R.page();
  const p = R.params();
  const DAY = 86400000;

  function isoDate(d) {
    return new Date(d).toISOString().slice(0, 10);
  }

  const focus = p.get('focus') ? new Date(p.get('focus')) : null;
  const defaultTo = focus && !isNaN(focus) ? new Date(focus.getTime() + 2 * DAY) : new Date(Date.now() + DAY);
  const defaultFrom = new Date(defaultTo.getTime() - 8 * DAY);

  const form = el('form', { id: 'trend-form', class: 'card' });
  const inputs = {
    category: R.select('category', [['', '…']], p.get('category') || ''),
    term: el('input', { name: 'term', value: p.get('term') || '', autocomplete: 'off' }),
    category2: R.select('category2', [['', t('trends.none')]], p.get('category2') || ''),
    term2: el('input', { name: 'term2', value: p.get('term2') || '', autocomplete: 'off' }),
    source: el('input', { name: 'source', value: p.get('source') || '' }),
    tag: el('input', { name: 'tag', value: p.get('tag') || '' }),
    language: el('input', { name: 'language', value: p.get('language') || '', size: 4 }),
    municipality: R.municipalitySelect(R.municipalityChoice()),
    bucket: R.bucketSelect(p.get('bucket') || '1h'),
    from: el('input', { name: 'from', type: 'date', value: p.get('from') || isoDate(defaultFrom) }),
    to: el('input', { name: 'to', type: 'date', value: p.get('to') || isoDate(defaultTo) }),
  };
  form.appendChild(el('div', { class: 'fields' },
    R.field('f-category', t('trends.category'), inputs.category),
    R.field('f-term', t('trends.term'), inputs.term, t('trends.term.hint')),
    R.field('f-bucket', t('trends.bucket'), inputs.bucket),
    R.field('f-from', t('trends.from'), inputs.from),
    R.field('f-to', t('trends.to'), inputs.to)));
  form.appendChild(el('div', { class: 'fields' },
    R.field('f-municipality', t('filter.municipality'), inputs.municipality),
    R.field('f-source', t('filter.source'), inputs.source),
    R.field('f-tag', t('filter.tag'), inputs.tag),
    R.field('f-language', t('filter.language'), inputs.language, t('filter.language.hint'))));
  form.appendChild(el('fieldset', {}, el('legend', {}, t('trends.compare')),
    el('div', { class: 'fields' },
      R.field('f-category2', t('trends.category'), inputs.category2),
      R.field('f-term2', t('trends.term'), inputs.term2))));
  form.appendChild(el('p', {}, el('button', { type: 'submit' }, t('trends.show'))));
  const result = el('div', { id: 'trend-result', 'aria-live': 'polite' });
  root.appendChild(form);
  root.appendChild(result);

  const labels = {};
  const labelOf = (c) => labels[c] || c;

  function seriesPath(category, term) {
    return term
      ? '/api/trends/terms/' + encodeURIComponent(category) + '/' + encodeURIComponent(term)
      : '/api/trends/categories/' + encodeURIComponent(category);
  }

  function range() {
    const from = new Date(inputs.from.value + 'T00:00:00Z');
    const to = new Date(new Date(inputs.to.value + 'T00:00:00Z').getTime() + DAY);
    return { from: from.toISOString(), to: to.toISOString() };
  }

  function filters() {
    return { municipality: inputs.municipality.value, source: inputs.source.value.trim(), tag: inputs.tag.value.trim(), language: inputs.language.value.trim() };
  }

  function spikeMatches(s, category, term) {
    return s.category === category && (s.term || '') === (term || '');
  }

  async function load() {
    const category = inputs.category.value;
    if (!category) return;
    const term = inputs.term.value.trim();
    const category2 = inputs.category2.value;
    const term2 = inputs.term2.value.trim();
    const bucket = inputs.bucket.value;
    const rg = range();
    const q = Object.assign({ bucket: bucket }, rg, filters());
    const state = Object.assign({ category, term, category2, term2, bucket, from: inputs.from.value, to: inputs.to.value }, filters());
    history.replaceState(null, '', '/trends?' + R.query(state));
    R.clear(result).appendChild(el('p', { class: 'muted' }, t('loading')));
    try {
      const calls = [R.api(seriesPath(category, term) + '?' + R.query(q))];
      calls.push(category2 ? R.api(seriesPath(category2, term2) + '?' + R.query(q)) : Promise.resolve(null));
      calls.push(R.api('/api/spikes?' + R.query(Object.assign({ category: category, term: term }, q))).catch((e) => ({ spikes: [], error: e.message })));
      const [a, b, sp] = await Promise.all(calls);
      const name = term ? term + ' (' + labelOf(category) + ')' : labelOf(category);
      const series = [{ key: term ? category + '/' + term : category, name: name, points: R.dense(a.points, rg.from, rg.to, bucket) }];
      if (b) series.push({ key: term2 ? category2 + '/' + term2 : category2, name: term2 ? term2 + ' (' + labelOf(category2) + ')' : labelOf(category2), points: R.dense(b.points, rg.from, rg.to, bucket) });
      const spikes = (sp.spikes || []).map(R.spike).filter((s) => spikeMatches(s, category, term));
      render(series, spikes, sp.error, { category, term, bucket, filters: filters() });
    } catch (e) {
      R.clear(result).appendChild(R.errorBox(e));
    }
  }

  function render(series, spikes, spikeError, ctx) {
    R.clear(result);
    const label = t('trends.chart.label', { names: series.map((s) => s.name).join(' / ') });
    const chart = R.lineChart(series, { spikes: spikes, label: label });
    const legend = el('ul', { class: 'legend' }, series.map((s, i) => el('li', {}, (i ? '- - ' : '—— ') + s.name + ': ' + R.fmtNum(s.points.reduce((x, p) => x + p.v, 0)) + ' ' + t('trends.items'))));
    const actions = el('div', { class: 'actions' },
      el('button', { type: 'button', class: 'secondary', id: 'download-csv', onclick: () => downloadCsv(series) }, t('trends.csv')),
      el('button', { type: 'button', class: 'secondary', id: 'download-svg', onclick: () => downloadSvg(chart) }, t('trends.svg')),
      el('button', { type: 'button', class: 'secondary', id: 'download-png', onclick: () => downloadPng(chart) }, t('trends.png')));
    result.appendChild(el('section', { class: 'card', 'aria-labelledby': 'h-chart' }, el('h2', { id: 'h-chart' }, label), chart, legend, actions));
    const spikeItems = spikes.map((s) => el('li', { class: 'spike' },
      R.timeEl(s.start), ' – ', R.timeEl(s.end), ': ',
      t('spike.size', { observed: R.fmtNum(s.observed), expected: R.fmtNum(s.expected, 1), ratio: R.fmtNum(s.ratio, 1) }), ' ',
      itemsLink(ctx, s.start, t('spike.items'))));
    result.appendChild(el('section', { class: 'card', 'aria-labelledby': 'h-spk' }, el('h2', { id: 'h-spk' }, t('trends.spikes')),
      spikeError ? el('p', { class: 'error' }, spikeError) : null,
      spikeItems.length ? el('ul', { id: 'trend-spikes' }, spikeItems) : el('p', { class: 'muted' }, t('trends.spikes.none'))));
    const rows = series[0].points.filter((p) => p.v > 0).map((p) => [
      el('time', { datetime: new Date(p.t).toISOString() }, R.fmtTime(new Date(p.t).toISOString())),
      R.fmtNum(p.v),
      itemsLink(ctx, new Date(p.t).toISOString(), t('trends.open')),
    ]);
    result.appendChild(el('details', { class: 'card' }, el('summary', {}, t('trends.table', { n: rows.length })),
      R.table(series[0].name, [t('col.bucket'), t('col.items'), t('col.items.link')], rows)));
  }

  function itemsLink(ctx, at, text) {
    if (!(R.hasRole('analyst') || R.hasRole('curator'))) return null;
    return el('a', { href: '/berichten?' + R.query(Object.assign({ category: ctx.category, term: ctx.term, bucket: ctx.bucket, at: at }, ctx.filters)) }, text);
  }

  function fileBase() {
    return 'websense-' + (inputs.term.value.trim() || inputs.category.value) + '-' + inputs.from.value + '-' + inputs.to.value;
  }

  function downloadCsv(series) {
    const rows = [['bucket_start'].concat(series.map((s) => s.key))];
    series[0].points.forEach((p, i) => rows.push([new Date(p.t).toISOString()].concat(series.map((s) => (s.points[i] ? s.points[i].v : 0)))));
    R.download(fileBase() + '.csv', 'text/csv;charset=utf-8', R.csv(rows));
  }

  function svgText(chart) {
    const copy = chart.cloneNode(true);
    copy.setAttribute('width', '900');
    copy.setAttribute('height', '320');
    return new XMLSerializer().serializeToString(copy);
  }

  function downloadSvg(chart) {
    R.download(fileBase() + '.svg', 'image/svg+xml', svgText(chart));
  }

  function downloadPng(chart) {
    const img = new Image();
    const url = URL.createObjectURL(new Blob([svgText(chart)], { type: 'image/svg+xml' }));
    img.onload = () => {
      const canvas = el('canvas', { width: 1800, height: 640 });
      const ctx = canvas.getContext('2d');
      ctx.drawImage(img, 0, 0, 1800, 640);
      URL.revokeObjectURL(url);
      canvas.toBlob((blob) => R.download(fileBase() + '.png', 'image/png', blob), 'image/png');
    };
    img.src = url;
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    R.rememberMunicipality(inputs.municipality.value);
    load();
  });

  (async () => {
    try {
      const lex = await R.api('/api/lexicons');
      const cats = (lex.current && lex.current.categories) || [];
      for (const c of cats) if (c.label) labels[c.name] = c.label;
      for (const sel of [inputs.category, inputs.category2]) {
        const want = sel === inputs.category ? p.get('category') : p.get('category2');
        for (const c of cats) sel.appendChild(el('option', { value: c.name, selected: c.name === want }, c.label ? c.label + ' (' + c.name + ')' : c.name));
      }
      inputs.category.firstChild.remove();
      if (!p.get('category') && cats.length) inputs.category.value = cats[0].name;
      load();
    } catch (e) {
      result.appendChild(R.errorBox(e));
    }
  })();
});
