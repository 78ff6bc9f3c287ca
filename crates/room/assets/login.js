// The login form: POST /api/login sets the session cookie; then go where the user wanted.
'use strict';
document.addEventListener('DOMContentLoaded', () => {
  const { api, t, data } = window.Room;
  const form = document.getElementById('login');
  const error = document.getElementById('login-error');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    const user = form.elements.user.value.trim();
    const password = form.elements.password.value;
    try {
      await api('/api/login', { method: 'POST', body: { user, password }, allow401: true });
      const next = typeof data.next === 'string' && /^\/(?!\/)/.test(data.next) && !data.next.startsWith('/login') ? data.next : '/';
      location.href = next;
    } catch (e) {
      const seconds = e.body && Number.isInteger(e.body.retry_after_secs) ? e.body.retry_after_secs : 1;
      error.textContent = e.status === 401 ? t('login.wrong')
        : e.status === 429 ? t('login.slowed', { seconds })
          : e.status === 503 ? t('login.busy')
            : t('error.prefix') + ': ' + e.message;
      form.elements.password.focus();
    }
  });
});
