// Bronnen: per source the last fetch, items, last error; admins switch sources on and off,
// and see the Telegram channels that collected channels forward from or link to (proposals),
// which they add as a source or dismiss.
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
    if (admin) {
      const holder = el('section', { id: 'proposals', 'aria-labelledby': 'proposals-title' });
      root.appendChild(holder);
      loadProposals(holder);
    }
  }

  // Telegram discovery: add a proposed channel (collected from the next round) or dismiss it.
  async function decide(p, decision, status, holder) {
    status.textContent = t('loading');
    try {
      await R.api('/api/telegram/proposals/' + encodeURIComponent(p.channel) + '/' + decision, { method: 'POST', body: {} });
      R.announce(decision === 'add' ? t('proposals.added.done', { channel: p.channel }) : t('proposals.dismissed.done', { channel: p.channel }));
      loadProposals(holder);
    } catch (e) {
      status.textContent = t('error.prefix') + ': ' + e.message;
    }
  }

  async function loadProposals(holder) {
    R.clear(holder).appendChild(el('h2', { id: 'proposals-title' }, t('proposals.title')));
    try {
      const res = await R.api('/api/telegram/proposals');
      holder.appendChild(el('p', { class: 'muted' }, t('proposals.intro')));
      if (!res.proposals.length) {
        holder.appendChild(el('p', {}, t('proposals.none')));
      } else {
        const rows = res.proposals.map((p) => {
          const status = el('span', { role: 'status' });
          const by = p.mentioned_by.map((m) => m.source + ' (' + R.fmtNum(m.count) + ')').join(', ');
          return [el('span', { class: 'channel' }, 't.me/' + p.channel), R.fmtNum(p.forwards), R.fmtNum(p.links), by, R.timeEl(p.last_seen),
            el('span', {},
              el('button', { type: 'button', 'data-add': p.channel, onclick: () => decide(p, 'add', status, holder) }, t('proposals.add')), ' ',
              el('button', { type: 'button', class: 'secondary', 'data-dismiss': p.channel, onclick: () => decide(p, 'dismiss', status, holder) }, t('proposals.dismiss')),
              status)];
        });
        holder.appendChild(R.table(t('proposals.caption'), [t('proposals.channel'), t('proposals.forwards'), t('proposals.links'), t('proposals.by'), t('proposals.lastseen'), t('col.action')], rows));
        if (res.more > 0) holder.appendChild(el('p', { class: 'muted' }, t('proposals.more', { n: res.more })));
      }
      for (const [list, key] of [[res.added, 'proposals.added'], [res.dismissed, 'proposals.dismissed']]) {
        if (!list.length) continue;
        holder.appendChild(el('details', {}, el('summary', {}, t(key, { n: list.length })),
          el('ul', {}, list.map((d) => el('li', {}, 't.me/' + d.channel + (d.source ? ' → ' + d.source : '') + ' · ' + d.by + ' · ' + R.fmtTime(d.at, true) + (d.reason ? ' · ' + d.reason : ''))))));
      }
    } catch (e) {
      holder.appendChild(R.errorBox(e));
    }
  }
  load();
});
