// Bronnen: per source the last fetch, items collected and stored, last error, and the
// sources with stored posts the collector does not report; admins switch sources on and off
// (off with a confirmation and a reason),
// and see the Telegram channels that collected channels forward from or link to (proposals),
// which they add as a source or dismiss.
'use strict';
document.addEventListener('DOMContentLoaded', () => {
  const R = window.Room;
  const { el, t } = R;
  const root = R.page();
  const admin = R.hasRole('admin');

  async function toggle(source, enable, status, reason) {
    status.textContent = t('loading');
    try {
      await R.api('/api/sources/' + encodeURIComponent(source.id) + '/enabled', { method: 'POST', body: { enabled: enable, reason: reason || null } });
      R.announce(enable ? t('sources.enabled.done') : t('sources.disabled.done'));
      load();
    } catch (e) {
      status.textContent = t('error.prefix') + ': ' + e.message;
    }
  }

  // Switching a source off stops its collection: the admin confirms it and says why (the
  // reason goes into the audit log). Switching back on needs neither.
  function switchOff(s, holder, status) {
    const id = 'off-reason-' + s.id.replace(/[^A-Za-z0-9_-]/g, '_');
    const reason = el('input', { type: 'text', id: id, class: 'off-reason', required: true });
    const error = el('p', { class: 'error', role: 'alert' });
    const form = el('form', { class: 'switch-off', novalidate: true },
      el('label', { for: id }, t('sources.disable.reason', { source: s.id })), reason, error,
      el('div', { class: 'actions' },
        el('button', { type: 'submit', class: 'confirm-off' }, t('sources.disable.confirm')),
        el('button', { type: 'button', class: 'secondary', onclick: () => form.remove() }, t('sources.disable.cancel'))));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const text = reason.value.trim();
      if (!text) {
        error.textContent = t('sources.disable.required');
        reason.focus();
        return;
      }
      toggle(s, false, status, text);
    });
    R.clear(holder).appendChild(form);
    reason.focus();
  }

  async function load() {
    R.clear(root).appendChild(el('p', { class: 'muted' }, t('loading')));
    try {
      const res = await R.api('/api/sources/status');
      R.clear(root);
      const disabled = new Set((res.disabled || []).map((d) => d.id));
      const stored = new Map((res.stored || []).map((c) => [c.source, c]));
      root.appendChild(el('p', {}, t('overview.sources.summary', { total: res.sources.length, failing: res.failing })));
      const storedCount = (id) => (stored.has(id) ? R.fmtNum(stored.get(id).items) : '0');
      const rows = res.sources.map((s) => {
        const status = el('span', { role: 'status' });
        const holder = el('div', {});
        const off = disabled.has(s.id);
        const state = off ? el('span', { class: 'badge' }, t('sources.off'))
          : s.consecutive_failures > 0 ? el('span', { class: 'badge failing' }, t('sources.failing') + ' ×' + s.consecutive_failures)
            : el('span', { class: 'ok' }, t('sources.ok'));
        const action = admin ? el('button', { type: 'button', class: 'secondary', 'data-source': s.id, onclick: () => (off ? toggle(s, true, status) : switchOff(s, holder, status)) }, off ? t('sources.enable') : t('sources.disable')) : null;
        return [el('span', {}, s.id, el('br'), el('span', { class: 'muted' }, s.kind + ' · ' + s.url)), state, R.timeEl(s.last_fetch), R.timeEl(s.last_success), R.fmtNum(s.items_total), storedCount(s.id),
          s.last_error ? el('span', {}, R.fmtTime(s.last_error.at) + ': ' + s.last_error.message) : '–', el('span', {}, action, holder, status)];
      });
      // Sources with posts in the store that the collector does not report: imported
      // history, or sources no longer collected.
      const reported = new Set(res.sources.map((s) => s.id));
      for (const c of res.stored || []) {
        if (reported.has(c.source)) continue;
        rows.push([el('span', { class: 'unreported', 'data-source': c.source }, c.source, el('br'), el('span', { class: 'muted' }, t('sources.unreported.newest', { at: R.fmtTime(c.newest) }))),
          el('span', { class: 'badge' }, t('sources.unreported')), '–', '–', '–', R.fmtNum(c.items), '–', '']);
      }
      root.appendChild(R.table(t('sources.caption'), [t('col.source'), t('col.state'), t('col.lastfetch'), t('col.lastsuccess'), t('col.collected'), t('col.stored'), t('col.lasterror'), admin ? t('col.action') : ''], rows));
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
