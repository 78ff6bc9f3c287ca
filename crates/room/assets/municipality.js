// One municipality's overview: its posts of the last hours against the hours before, per
// category, the rising categories, and its latest flagged posts (post text only as text
// nodes, through Room.highlight), with links to the trends, posts and signals of it.
'use strict';
document.addEventListener('DOMContentLoaded', () => {
  const R = window.Room;
  const { el, t } = R;
  const root = R.page();
  const code = R.data.code;
  const name = R.data.name;
  const hours = Math.min(168, Math.max(1, parseInt(R.params().get('hours') || '24', 10) || 24));

  function riseText(rise) {
    return t('map.rise.' + rise);
  }

  function links() {
    const q = 'municipality=' + encodeURIComponent(code);
    return el('nav', { class: 'actions', 'aria-label': t('municipality.links', { name: name }) },
      el('a', { href: '/trends?' + q, class: 'button secondary', id: 'm-trends' }, t('municipality.to.trends', { name: name })),
      R.hasRole('analyst') || R.hasRole('curator') ? el('a', { href: '/berichten?' + q, class: 'button secondary', id: 'm-items' }, t('municipality.to.items', { name: name })) : null,
      R.hasRole('analyst') || R.hasRole('admin') || R.hasRole('i2o_liaison') ? el('a', { href: '/signalen?' + q, class: 'button secondary', id: 'm-signals' }, t('municipality.to.signals', { name: name })) : null,
      el('a', { href: '/kaart', class: 'button secondary' }, t('municipality.to.map')));
  }

  function post(item) {
    const flagged = (item.scores || []).filter((s) => s.flagged).map((s) => s.category);
    return el('article', { class: 'item', 'data-id': item.id },
      item.title ? el('h4', { class: 'title' }, R.highlight(item.title, R.hitsIn(item.matches, 'title'))) : null,
      item.text_purged ? el('p', { class: 'muted' }, t('items.purged')) : el('p', { class: 'text' }, R.highlight(item.text, R.hitsIn(item.matches, 'text'))),
      el('p', { class: 'meta' },
        el('span', {}, t('items.source') + ': ' + (item.source ? item.source.id : '–')),
        el('span', {}, t('items.time') + ': ', R.timeEl(item.event_time)),
        flagged.length ? el('span', {}, t('items.flagged') + ': ' + flagged.join(', ')) : null));
  }

  async function load() {
    R.clear(root).appendChild(el('p', { class: 'muted' }, t('loading')));
    try {
      const res = await R.api('/api/municipalities/' + encodeURIComponent(code) + '?hours=' + hours);
      R.clear(root);
      root.appendChild(el('p', { id: 'm-summary', class: 'card' },
        t('municipality.summary', { n: res.items, flagged: res.flagged_items, previous: res.previous_items, province: res.municipality.province }),
        ' ', el('span', { class: 'rise ' + res.rise }, riseText(res.rise))));
      root.appendChild(links());
      const rising = res.categories.filter((c) => c.rise === 'rising');
      root.appendChild(el('section', { class: 'card', 'aria-labelledby': 'm-rising-h' },
        el('h2', { id: 'm-rising-h' }, t('municipality.rising')),
        rising.length
          ? el('ul', { id: 'm-rising' }, rising.map((c) => el('li', {}, el('a', { href: '/trends?' + R.query({ category: c.category, municipality: code }) }, c.label || c.category), ' ' + t('municipality.rising.line', { n: c.items, previous: c.previous_items }))))
          : el('p', { class: 'muted', id: 'm-rising' }, t('municipality.rising.none'))));
      root.appendChild(el('section', { class: 'card' },
        R.table(t('municipality.categories', { hours: res.hours }),
          [t('col.category'), t('map.table.items'), t('municipality.previous'), t('map.table.flagged'), t('map.table.rise')],
          res.categories.map((c) => [
            el('a', { href: '/trends?' + R.query({ category: c.category, municipality: code }) }, c.label || c.category),
            R.fmtNum(c.items), R.fmtNum(c.previous_items), R.fmtNum(c.flagged_items),
            el('span', { class: 'rise ' + c.rise }, riseText(c.rise))]))));
      const posts = el('section', { class: 'card', 'aria-labelledby': 'm-posts-h' }, el('h2', { id: 'm-posts-h' }, t('municipality.posts')));
      if (res.posts_withheld) posts.appendChild(el('p', { class: 'muted', id: 'm-posts-withheld' }, t('municipality.posts.withheld.' + res.posts_withheld)));
      else if (!res.posts.length) posts.appendChild(el('p', { class: 'muted' }, t('municipality.posts.none')));
      else posts.appendChild(el('div', { class: 'items', id: 'm-posts' }, res.posts.map(post)));
      root.appendChild(posts);
    } catch (e) {
      R.clear(root).appendChild(R.errorBox(e));
    }
  }

  load();
});
