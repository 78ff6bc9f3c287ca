// The items behind a point or spike: posts with their hit spans highlighted. Post text is
// hostile: it is only ever inserted as text nodes (Room.highlight), and only http(s) links
// become clickable.
'use strict';
document.addEventListener('DOMContentLoaded', () => {
  const R = window.Room;
  const { el, t } = R;
  const root = R.page();
  const p = R.params();
  const PAGE = 25;

  const state = {
    category: p.get('category') || '',
    term: p.get('term') || '',
    bucket: p.get('bucket') || '1h',
    at: p.get('at') || new Date().toISOString(),
    source: p.get('source') || '',
    tag: p.get('tag') || '',
    language: p.get('language') || '',
    municipality: R.municipalityChoice(),
    offset: Math.max(0, parseInt(p.get('offset') || '0', 10) || 0),
  };

  const form = el('form', { id: 'items-form', class: 'card' },
    el('div', { class: 'fields' },
      R.field('i-category', t('trends.category'), el('input', { name: 'category', value: state.category })),
      R.field('i-term', t('trends.term'), el('input', { name: 'term', value: state.term })),
      R.field('i-bucket', t('trends.bucket'), R.bucketSelect(state.bucket)),
      R.field('i-at', t('items.at'), el('input', { name: 'at', value: state.at }), t('items.at.hint'))),
    el('div', { class: 'fields' },
      R.field('i-municipality', t('filter.municipality'), R.municipalitySelect(state.municipality)),
      R.field('i-source', t('filter.source'), el('input', { name: 'source', value: state.source })),
      R.field('i-tag', t('filter.tag'), el('input', { name: 'tag', value: state.tag })),
      R.field('i-language', t('filter.language'), el('input', { name: 'language', value: state.language, size: 4 }), t('filter.language.hint'))),
    el('p', {}, el('button', { type: 'submit' }, t('items.show'))));
  const result = el('div', { id: 'items-result' });
  root.appendChild(form);
  root.appendChild(result);

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    for (const k of ['category', 'term', 'bucket', 'at', 'source', 'tag', 'language', 'municipality']) state[k] = form.elements[k].value.trim();
    R.rememberMunicipality(state.municipality);
    state.offset = 0;
    load();
  });

  function link(url) {
    const safe = R.safeUrl(url);
    if (!safe) return el('span', { class: 'muted' }, t('items.link.unsafe'));
    return el('a', { href: safe, rel: 'noopener noreferrer nofollow', target: '_blank' }, t('items.link.open'), el('span', { class: 'visually-hidden' }, ' ' + t('items.link.newtab')));
  }

  const names = {};
  for (const m of R.data.region || []) names[m.code] = m.name;
  const municipalityName = (code) => names[code] || code;

  function itemView(item) {
    const terms = [...new Set((item.matches || []).map((h) => h.term + ' (' + [h.category, ...R.hitNotes(h)].join(', ') + ')'))];
    const flagged = (item.scores || []).filter((s) => s.flagged).map((s) => s.category);
    return el('article', { class: 'item', 'data-id': item.id },
      item.title ? el('h3', { class: 'title' }, R.highlight(item.title, R.hitsIn(item.matches, 'title'))) : null,
      item.text_purged ? el('p', { class: 'muted' }, t('items.purged')) : el('p', { class: 'text' }, R.highlight(item.text, R.hitsIn(item.matches, 'text'))),
      el('p', { class: 'meta' },
        el('span', {}, t('items.source') + ': ' + (item.source ? item.source.id : '–')),
        el('span', {}, t('items.time') + ': ', R.timeEl(item.event_time)),
        el('span', {}, t('items.language') + ': ' + (item.language ? item.language.code : '–')),
        el('span', {}, t('items.author') + ': ' + (item.author_pseudonym || '–')),
        item.url ? el('span', {}, link(item.url)) : null),
      terms.length ? el('p', { class: 'meta' }, t('items.terms') + ': ' + terms.join(', ')) : null,
      flagged.length ? el('p', { class: 'meta' }, t('items.flagged') + ': ' + flagged.join(', ')) : null,
      (item.municipalities || []).length ? el('p', { class: 'meta municipalities' }, t('items.municipalities') + ': ' + item.municipalities.map(municipalityName).join(', ')) : null,
      el('p', { class: 'meta' }, t('items.lexicon') + ': ' + item.lexicon_version));
  }

  async function load() {
    const q = R.query({ category: state.category, term: state.category ? state.term : '', bucket: state.bucket, at: state.at, source: state.source, tag: state.tag, language: state.language, municipality: state.municipality, offset: state.offset || '', limit: PAGE });
    history.replaceState(null, '', '/berichten?' + R.query(Object.assign({}, state, { offset: state.offset || '' })));
    R.clear(result).appendChild(el('p', { class: 'muted' }, t('loading')));
    try {
      const res = await R.api('/api/items?' + q);
      R.clear(result);
      const subject = state.term ? state.term + ' (' + state.category + ')' : state.category || t('items.all');
      result.appendChild(el('h2', { id: 'items-heading' }, t('items.heading', { subject: subject, bucket: t('bucket.' + res.bucket), start: R.fmtTime(res.bucket_start) })));
      if (!res.items.length) result.appendChild(el('p', { class: 'muted' }, t('items.none')));
      result.appendChild(el('div', { class: 'items' }, res.items.map(itemView)));
      const nav = el('nav', { class: 'actions', 'aria-label': t('items.paging') });
      if (state.offset > 0) nav.appendChild(el('button', { type: 'button', class: 'secondary', onclick: () => { state.offset = Math.max(0, state.offset - PAGE); load(); } }, t('items.prev')));
      if (res.next_offset) nav.appendChild(el('button', { type: 'button', class: 'secondary', id: 'items-next', onclick: () => { state.offset = res.next_offset; load(); } }, t('items.next')));
      nav.appendChild(el('span', { class: 'muted' }, t('items.range', { from: state.offset + 1, to: state.offset + res.items.length })));
      result.appendChild(nav);
    } catch (e) {
      R.clear(result).appendChild(R.errorBox(e));
    }
  }

  load();
});
