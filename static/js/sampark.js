// Shared by every staff page: one way to call the API, to report its errors and to show a toast.
// Sampark.api(method, path, body) -> {ok, status, data}: never throws; a network failure or an expired
// session comes back as a readable message (and an expired session goes to the login page, then back).
(function () {
  'use strict';
  const meta = document.querySelector('meta[name="csrf-token"]');
  const csrf = meta ? meta.content : '';

  function toLogin() {
    window.location.href = '/login?next=' + encodeURIComponent(window.location.pathname + window.location.search);
  }

  async function api(method, path, body) {
    const options = { method, credentials: 'same-origin', headers: { 'X-CSRFToken': csrf, Accept: 'application/json' } };
    if (body !== undefined) { options.headers['Content-Type'] = 'application/json'; options.body = JSON.stringify(body); }
    let response;
    try { response = await fetch(path, options); } catch (err) {
      return { ok: false, status: 0, data: { error: 'network', message: 'The server cannot be reached. Check the network.' } };
    }
    if (response.status === 401) {
      toLogin();
      return { ok: false, status: 401, data: { error: 'login_required', message: 'Your session ended. Log in again.' } };
    }
    let data = {};
    if ((response.headers.get('Content-Type') || '').includes('json')) {
      try { data = await response.json(); } catch (err) { data = {}; }
    }
    if (!response.ok && !data.message) data = { error: 'server', message: `The server answered ${response.status}. Try again.` };
    return { ok: response.ok, status: response.status, data };
  }

  // The page's #toast box keeps its own look (data-toast-class); text is always set as text.
  let timer = null;
  function toast(text, bad) {
    const box = document.getElementById('toast');
    if (!box) return;
    const base = box.dataset.toastClass || 'toast';
    box.textContent = text;
    box.className = base + (bad ? ' bad' : '');
    box.hidden = false;
    clearTimeout(timer);
    timer = setTimeout(() => { box.hidden = true; }, bad ? 6000 : 3500);
  }

  window.Sampark = { api, toast, csrf, toLogin };
})();
