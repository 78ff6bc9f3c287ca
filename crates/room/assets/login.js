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
      error.textContent = e.status === 401 ? t('login.wrong') : t('error.prefix') + ': ' + e.message;
      form.elements.password.focus();
    }
  });
});
