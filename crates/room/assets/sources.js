// Bronnen: per source the last fetch, items, last error; admins switch sources on and off.
'use strict';
document.addEventListener('DOMContentLoaded', () => {
  const R = window.Room;
  const { el, t } = R;
  const root = R.page();
  const admin = R.hasRole('admin');

  async function toggle(source, enable, status) {
    status.textContent = t('loading');
    try {
      await R.api('/api/sources/' + encodeURIComponent(source.id) + '/enabled', { method: 'POST', body: { enabled: enable } });
      status.textContent = enable ? t('sources.enabled.done') : t('sources.disabled.done');
      load();
    } catch (e) {
      status.textContent = t('error.prefix') + ': ' + e.message;
    }
  }

  async function load() {
    R.clear(root).appendChild(el('p', { class: 'muted' }, t('loading')));
    try {
      const res = await R.api('/api/sources/status');
      R.clear(root);
      const disabled = new Set((res.disabled || []).map((d) => d.id));
      root.appendChild(el('p', {}, t('overview.sources.summary', { total: res.sources.length, failing: res.failing })));
      const rows = res.sources.map((s) => {
        const status = el('span', { role: 'status' });
        const off = disabled.has(s.id);
        const state = off ? el('span', { class: 'badge' }, t('sources.off'))
          : s.consecutive_failures > 0 ? el('span', { class: 'badge failing' }, t('sources.failing') + ' ×' + s.consecutive_failures)
            : el('span', { class: 'ok' }, t('sources.ok'));
        const action = admin ? el('button', { type: 'button', class: 'secondary', 'data-source': s.id, onclick: () => toggle(s, off, status) }, off ? t('sources.enable') : t('sources.disable')) : null;
        return [el('span', {}, s.id, el('br'), el('span', { class: 'muted' }, s.kind + ' · ' + s.url)), state, R.timeEl(s.last_fetch), R.timeEl(s.last_success), R.fmtNum(s.items_total),
          s.last_error ? el('span', {}, R.fmtTime(s.last_error.at) + ': ' + s.last_error.message) : '–', el('span', {}, action, status)];
      });
      root.appendChild(R.table(t('sources.caption'), [t('col.source'), t('col.state'), t('col.lastfetch'), t('col.lastsuccess'), t('col.items'), t('col.lasterror'), admin ? t('col.action') : ''], rows));
    } catch (e) {
      R.clear(root).appendChild(R.errorBox(e));
    }
  }
  load();
});
