// Shared by every staff page: one way to call the API, to report its errors and to show a toast, and the one
// live-board client (Sampark.live) every desk's page follows the database with.
// Sampark.api(method, path, body) -> {ok, status, data}: never throws; a network failure or an expired
// session comes back as a readable message (and an expired session goes to the login page, then back).
(function () {
  'use strict';
  const meta = document.querySelector('meta[name="csrf-token"]');
  const csrf = meta ? meta.content : '';

  function toLogin() {
    window.location.href = '/login?next=' + encodeURIComponent(window.location.pathname + window.location.search);
  }

  // Every answered write is counted: a read that left before one was answered may show the world without it.
  let writes = 0;
  async function api(method, path, body) {
    try { return await call(method, path, body); } finally { if (method !== 'GET') writes += 1; }
  }

  async function call(method, path, body) {
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

  // el('li', {class, dataset, onclick, ...attributes}, ...children): a DOM node whose children are nodes or text
  // (set as text, never parsed as HTML: citizens' words go through here).
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === 'class') node.className = value;
      else if (key === 'dataset') Object.assign(node.dataset, value);
      else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? '' : value);
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  // What a desk scanner or a person typed into an "identify the caller" field: card number, phone or QR.
  function scanQuery(text) {
    const digits = text.replace(/[\s-]/g, '');
    if (/^\d{12}$/.test(digits)) return { card_number: digits };
    if (/^(\+?91)?0?[6-9]\d{9}$/.test(digits)) return { phone: digits };
    return { qr: text.trim() };
  }

  // ---- live boards -----------------------------------------------------------------------------
  // The database is the truth: a socket event only says "look again", and the page reads over HTTP.
  // reader({read, show}) is one thing a page keeps on screen. soon() coalesces a burst of asks into one read
  // (`delay` ms after the first); while a read is out, asks wait for it, unless it has been out for `patience`
  // ms (a slow read never freezes the page). now() reads at once (after the page's own write). The newest read
  // wins: an answer older than the one shown is dropped, and so is one that left before one of the page's own
  // writes was answered (it is read again). read() resolves to what to show, or null for nothing.
  function reader(options) {
    const o = Object.assign({ delay: 150, patience: 2000 }, options);
    let timer = null, issued = 0, shown = 0, out = null, again = false;
    function soon(delay) {
      if (!timer) timer = setTimeout(fire, delay === undefined ? o.delay : delay);
    }
    function fire() {
      timer = null;
      const age = out ? Date.now() - out.at : Infinity;
      if (age < o.patience) { again = true; timer = setTimeout(fire, o.patience - age); return; }
      now();
    }
    async function now() {
      clearTimeout(timer); timer = null;
      const mine = { seq: ++issued, at: Date.now(), writes };
      out = mine; again = false;
      let data = null;
      try { data = await o.read(); } catch (err) { data = null; }
      if (out === mine) out = null;
      try {
        if (data !== null && data !== undefined && mine.seq > shown) {
          if (writes !== mine.writes) again = true;  // it may predate the page's own change: read again
          else { shown = mine.seq; o.show(data); }
        }
      } finally {
        if (again && !out) { again = false; clearTimeout(timer); timer = null; soon(0); }
      }
    }
    return { soon, now };
  }

  // live({read, show, rooms, status, every, hears, heard}): connect one Socket.IO client for the page, in the
  // rooms it shows (`rooms`; the server adds the staff member's own), and keep reader({read, show}) fresh:
  // read at once on load, on every (re)connect and on the server's "Redis is back" signal (live.reread: events
  // of an outage never arrive), soon() on every event `hears(name, payload)` lets through (all by default),
  // after `heard(name, payload)` has done the page's own part. `status` {element, live, down, failed}: the
  // page's connection badge (data-state live / down). `every` {live, down}: a safety-net read every so many
  // ms while connected / while not. Returns {socket, refresh, soon, connected()}.
  function live(options) {
    const o = Object.assign({ hears: () => true, every: {} }, options);
    const board = reader(o);
    let connected = false;
    const settings = { transports: ['websocket', 'polling'], tryAllTransports: true, reconnectionDelayMax: 5000 };
    if (o.rooms) settings.auth = { rooms: o.rooms };
    const socket = window.io(settings);
    function badge(state) {
      const s = o.status;
      if (!s || !s.element) return;
      s.element.dataset.state = state === 'live' ? 'live' : 'down';
      const text = s[state] || (state === 'failed' ? s.down : '');
      if (text) s.element.textContent = text;
    }
    socket.on('connect', () => { connected = true; badge('live'); board.now(); });
    socket.on('live.reread', () => board.now());
    socket.on('disconnect', () => { connected = false; badge('down'); });
    socket.on('connect_error', () => { connected = false; badge('failed'); });
    socket.onAny((name, payload) => {
      if (name === 'live.reread' || !o.hears(name, payload)) return;
      if (o.heard) o.heard(name, payload);
      board.soon();
    });
    if (o.every.live) setInterval(() => { if (connected) board.soon(); }, o.every.live);
    if (o.every.down) setInterval(() => { if (!connected) board.soon(); }, o.every.down);
    board.now();
    return { socket, refresh: board.now, soon: board.soon, connected: () => connected };
  }

  // A caller's language as staff read it (Delhi's four, in the Act's order): the name, and the short code on the boards.
  const LANGUAGES = { hi: 'Hindi · हिंदी', en: 'English', pa: 'Punjabi · ਪੰਜਾਬੀ', ur: 'Urdu · اردو' };
  const languageName = (code) => LANGUAGES[code] || (code ? String(code) : 'not known');
  const languageCode = (code) => (code ? String(code).toUpperCase() : '?');

  window.Sampark = { api, html, toast, csrf, toLogin, scanQuery, drafts: { restore, forget, unsaved }, patch, el, reader, live,
    languageName, languageCode };
})();
