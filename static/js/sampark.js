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

  // A server-rendered HTML fragment (escaped by the server): {ok, status, text}; same session and network handling.
  async function html(path) {
    let response;
    try { response = await fetch(path, { credentials: 'same-origin', headers: { 'X-CSRFToken': csrf } }); } catch (err) {
      return { ok: false, status: 0, text: '' };
    }
    if (response.status === 401 || (response.redirected && new URL(response.url).pathname === '/login')) {
      toLogin();
      return { ok: false, status: 401, text: '' };
    }
    return { ok: response.ok, status: response.status, text: await response.text() };
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

  // Drafts: a field with data-draft="KEY" is kept in localStorage as it is typed (so a reload or a
  // redrawn panel gives it back), cleared with forget(KEY) once sent; the page warns before it is left
  // while a draft field holds text.
  const PREFIX = 'sampark.draft.';
  function draftKey(field) { return PREFIX + (document.body.dataset.staff || '') + '.' + field.dataset.draft; }
  document.addEventListener('input', (e) => {
    const field = e.target;
    if (!field.dataset || !field.dataset.draft) return;
    try {
      if (field.value) localStorage.setItem(draftKey(field), field.value); else localStorage.removeItem(draftKey(field));
    } catch (err) { /* storage full or off: the field itself still holds the text */ }
  });
  function restore(root) {
    (root || document).querySelectorAll('[data-draft]').forEach((field) => {
      let saved = null;
      try { saved = localStorage.getItem(draftKey(field)); } catch (err) { saved = null; }
      if (saved && !field.value && field.tagName !== 'SELECT') field.value = saved;
      if (saved && field.tagName === 'SELECT' && [...field.options].some((o) => o.value === saved)) field.value = saved;
    });
  }
  function forget(root) {
    (root || document).querySelectorAll('[data-draft]').forEach((field) => {
      try { localStorage.removeItem(draftKey(field)); } catch (err) { /* nothing kept */ }
    });
  }
  function unsaved() {
    // Text in a field the person can see and has not sent yet (a hidden form's leftovers do not count).
    return [...document.querySelectorAll('[data-draft], [data-unsaved]')].some(
      (f) => f.tagName !== 'SELECT' && f.value && f.value.trim() && f.getClientRects().length > 0);
  }
  window.addEventListener('beforeunload', (e) => {
    if (!unsaved() || window.Sampark.leaving) return;
    e.preventDefault();
    e.returnValue = '';  // the browser shows its own "leave the page?" question
  });

  // Patch `target` to look like `fresh` section by section ([data-live] children, in order): a section
  // that holds form fields is left alone while its data-key is unchanged, so typed text and focus stay.
  function patch(target, fresh) {
    const focused = document.activeElement;
    const wanted = new Set([...fresh.querySelectorAll(':scope > [data-live]')].map((x) => x.dataset.live));
    target.querySelectorAll(':scope > [data-live]').forEach((old) => { if (!wanted.has(old.dataset.live)) old.remove(); });
    let prev = null;
    fresh.querySelectorAll(':scope > [data-live]').forEach((section) => {
      const old = target.querySelector(`:scope > [data-live="${section.dataset.live}"]`);
      const copy = section.cloneNode(true);
      if (!old) {
        if (prev) prev.after(copy); else target.prepend(copy);
        restore(copy);
        prev = copy;
        return;
      }
      prev = old;
      if (old.isEqualNode(section)) return;
      if (old.querySelector('input, textarea, select') && old.dataset.key && old.dataset.key === section.dataset.key) return;
      old.replaceWith(copy);
      restore(copy);
      prev = copy;
    });
    if (focused && !document.contains(focused) && focused.dataset && focused.dataset.draft) {
      const again = target.querySelector(`[data-draft="${focused.dataset.draft}"]`);
      if (again) again.focus();
    }
  }

  // What a desk scanner or a person typed into an "identify the caller" field: card number, phone or QR.
  function scanQuery(text) {
    const digits = text.replace(/[\s-]/g, '');
    if (/^\d{12}$/.test(digits)) return { card_number: digits };
    if (/^(\+?91)?0?[6-9]\d{9}$/.test(digits)) return { phone: digits };
    return { qr: text.trim() };
  }

  window.Sampark = { api, html, toast, csrf, toLogin, scanQuery, drafts: { restore, forget, unsaved }, patch };
})();
