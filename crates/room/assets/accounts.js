// Accounts (admins): each account's roles and municipality scope, and a form to scope an
// account to municipalities (or lift its scope) with a reason. Scoping is audited
// (scope_account).
'use strict';
document.addEventListener('DOMContentLoaded', () => {
  const R = window.Room;
  const { el, t } = R;
  const root = R.page();
  const names = {};
  for (const m of R.data.region || []) names[m.code] = m.name;
  const nameOf = (code) => (names[code] ? names[code] + ' (' + code + ')' : code);

  function scopeForm(account) {
    const id = 'scope-' + account.name;
    const choice = el('select', { name: 'municipalities', multiple: true, size: 6 });
    for (const m of R.data.region || []) choice.appendChild(el('option', { value: m.code, selected: account.municipalities.includes(m.code) }, m.name));
    const reason = el('input', { name: 'reason', required: true });
    const status = el('p', { class: 'muted', role: 'status' });
    const form = el('form', { class: 'scope-form', id: id, 'data-account': account.name },
      R.field(id + '-m', t('accounts.scope.choose', { name: account.name }), choice, t('accounts.scope.hint')),
      R.field(id + '-r', t('accounts.reason'), reason),
      el('p', {}, el('button', { type: 'submit' }, t('accounts.scope.save'))),
      status);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const codes = [...choice.selectedOptions].map((o) => o.value);
      try {
        const res = await R.api('/api/accounts/' + encodeURIComponent(account.name) + '/municipalities', { method: 'POST', body: { municipalities: codes, reason: reason.value.trim() } });
        status.textContent = res.municipalities.length
          ? t('accounts.scope.saved', { name: account.name, list: res.municipalities.map(nameOf).join(', ') })
          : t('accounts.scope.lifted', { name: account.name });
        R.announce(status.textContent);
        load();
      } catch (err) {
        R.clear(status).appendChild(R.errorBox(err));
      }
    });
    return form;
  }

  async function load() {
    try {
      const res = await R.api('/api/accounts');
      const list = el('div', { id: 'accounts-list' });
      list.appendChild(R.table(t('accounts.caption'),
        [t('accounts.name'), t('accounts.roles'), t('accounts.scope')],
        res.accounts.map((a) => [
          a.name,
          a.roles.map((r) => t('role.' + r)).join(', '),
          el('span', { class: 'scope', 'data-account': a.name }, a.municipalities.length ? a.municipalities.map(nameOf).join(', ') : t('accounts.scope.none'))])));
      const forms = el('section', { class: 'card', 'aria-labelledby': 'scope-h' }, el('h2', { id: 'scope-h' }, t('accounts.scope.heading')), el('p', { class: 'hint' }, t('accounts.scope.explain')));
      for (const a of res.accounts) forms.appendChild(el('details', { class: 'scope-details' }, el('summary', {}, a.name), scopeForm(a)));
      R.clear(root).appendChild(el('div', { class: 'card' }, list));
      root.appendChild(forms);
    } catch (e) {
      R.clear(root).appendChild(R.errorBox(e));
    }
  }

  load();
});
