// Audit (admins): who read or exported what, filterable and exportable.
'use strict';
document.addEventListener('DOMContentLoaded', () => {
  const R = window.Room;
  const { el, t } = R;
  const root = R.page();
  const p = R.params();
  const PAGE = 100;
  let offset = 0;

  const actions = ['', 'login', 'login_failed', 'logout', 'read_items', 'export_signals', 'export_audit', 'confirm_signal', 'dismiss_signal', 'scan_signals', 'resolve_author', 'resolve_author_refused', 'evaluate_lexicon', 'save_lexicon', 'reject_term', 'switch_source', 'add_source', 'dismiss_proposal', 'scope_account', 'purge_raw_text'];
  // Actions and roles by their label in the page's language; the id stays in a title.
  const actionLabel = (a) => t('audit.act.' + a) === 'audit.act.' + a ? a : t('audit.act.' + a);
  const roleLabels = (roles) => String(roles || '').split(',').filter(Boolean).map((r) => t('role.' + r) === 'role.' + r ? r : t('role.' + r)).join(', ');
  const form = el('form', { id: 'audit-form', class: 'card' },
    el('div', { class: 'fields' },
      R.field('a-actor', t('audit.actor'), el('input', { name: 'actor', value: p.get('actor') || '' })),
      R.field('a-action', t('audit.action'), R.select('action', actions.map((a) => [a, a ? actionLabel(a) : t('audit.any')]), p.get('action') || '')),
      R.field('a-from', t('trends.from'), el('input', { name: 'from', type: 'date', value: p.get('from') || '' })),
      R.field('a-to', t('trends.to'), el('input', { name: 'to', type: 'date', value: p.get('to') || '' }))),
    el('div', { class: 'actions' },
      el('button', { type: 'submit' }, t('audit.show')),
      el('a', { class: 'button secondary', id: 'audit-csv', href: '/api/audit/export?format=csv' }, t('audit.export.csv')),
      el('a', { class: 'button secondary', id: 'audit-json', href: '/api/audit/export?format=json' }, t('audit.export.json'))));
  const result = el('div', { id: 'audit-result' });
  root.appendChild(form);
  root.appendChild(result);

  function filter() {
    const f = form.elements;
    const day = (v, plus) => (v ? new Date(new Date(v + 'T00:00:00Z').getTime() + (plus ? 86400000 : 0)).toISOString() : '');
    return { actor: f.actor.value.trim(), action: f.action.value, from: day(f.from.value, false), to: day(f.to.value, true) };
  }

  function exportLinks() {
    const q = R.query(filter());
    document.getElementById('audit-csv').setAttribute('href', '/api/audit/export?format=csv' + (q ? '&' + q : ''));
    document.getElementById('audit-json').setAttribute('href', '/api/audit/export?format=json' + (q ? '&' + q : ''));
  }

  async function load() {
    exportLinks();
    R.clear(result).appendChild(el('p', { class: 'muted' }, t('loading')));
    try {
      const res = await R.api('/api/audit?' + R.query(Object.assign(filter(), { limit: PAGE, offset: offset || '' })));
      R.clear(result);
      const rows = res.entries.map((e) => [R.timeEl(e.at), e.actor, roleLabels(e.roles), el('span', { class: 'audit-action', title: e.action, 'data-action': e.action }, actionLabel(e.action)), e.target || '', e.reason || '',
        el('code', {}, JSON.stringify(e.detail).slice(0, 300))]);
      result.appendChild(R.table(t('audit.caption'), [t('col.time'), t('audit.actor'), t('audit.roles'), t('audit.action'), t('audit.target'), t('audit.reason'), t('audit.detail')], rows));
      const nav = el('div', { class: 'actions' });
      if (offset > 0) nav.appendChild(el('button', { type: 'button', class: 'secondary', onclick: () => { offset = Math.max(0, offset - PAGE); load(); } }, t('items.prev')));
      if (res.next_offset) nav.appendChild(el('button', { type: 'button', class: 'secondary', onclick: () => { offset = res.next_offset; load(); } }, t('items.next')));
      result.appendChild(nav);
    } catch (e) {
      R.clear(result).appendChild(R.errorBox(e));
    }
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    offset = 0;
    load();
  });
  load();
});
