// The field verifier's phone page. The worklist comes from /api/v1/field/worklist (the service worker
// keeps the last copy for when there is no network); marks go to the local queue (field-store.js) and
// are sent one by one to /api/v1/field/marks whenever the phone is online. Nothing typed is lost to a
// redraw: the worklist re-renders only its own list, never the open mark sheet.
(function () {
  const $ = (id) => document.getElementById(id);
  const store = window.FieldStore;
  const OUTCOME_NAMES = { verified: 'Verified', delivered: 'Delivered', not_found: 'Not found', moved: 'Moved' };
  const STATUS_NAMES = { issued: 'to verify', verified: 'verified, awaiting print', delivered: 'delivered' };
  // A printed card is carried to its holder: 'to deliver' (verified at the door first if nobody has yet).
  const DELIVER_NAMES = { issued: 'printed, to deliver', verified: 'verified, to deliver' };
  const statusName = (card) => (card.to_deliver ? DELIVER_NAMES[card.status] : STATUS_NAMES[card.status]) || card.status;
  const WORKLIST_URL = '/api/v1/field/worklist';
  let csrf = document.querySelector('meta[name="csrf-token"]').content;
  let cards = new Map(); // card number -> {card, ward, household}
  let worklist = null;
  let current = null; // the card the sheet is open for
  let position = null;
  let photo = null;
  let syncing = false;

  const { validNumber, numberFromQr, pretty } = window.FieldCard;

  // --- network status ---
  async function setNet() {
    const marks = await store.all();
    const pending = marks.filter((m) => m.state === 'pending').length;
    const net = $('net');
    net.dataset.state = navigator.onLine ? (pending ? 'waiting' : 'online') : 'offline';
    net.textContent = (navigator.onLine ? 'Online' : 'Offline') + (pending ? ` · ${pending} to send` : '');
    renderOutbox(marks);
  }

  function renderOutbox(marks) {
    const pending = marks.filter((m) => m.state === 'pending');
    const sent = marks.filter((m) => m.state === 'sent');
    const conflicts = marks.filter((m) => m.state === 'conflict');
    $('outbox-summary').textContent = marks.length
      ? `${pending.length} waiting to send · ${sent.length} sent · ${conflicts.length} need attention`
      : 'No marks yet.';
    const list = $('conflicts');
    list.replaceChildren(...conflicts.map((m) => {
      const li = document.createElement('li');
      const title = document.createElement('strong');
      title.textContent = `${pretty(m.payload.card_number || '')} · ${OUTCOME_NAMES[m.payload.outcome]}`
        + (m.who ? ` · ${m.who}` : '');
      const why = document.createElement('span');
      why.textContent = (m.answer && m.answer.conflict) || 'Refused by the server.';
      const dismiss = document.createElement('button');
      dismiss.type = 'button'; dismiss.textContent = 'Seen'; dismiss.className = 'small-button';
      dismiss.addEventListener('click', async () => { await store.remove(m.client_id); setNet(); });
      li.append(title, why, dismiss);
      return li;
    }));
    $('sync-now').hidden = pending.length === 0 || !navigator.onLine;
    overlayMarks(marks);
  }

  // --- the worklist ---
  async function loadWorklist() {
    let response = null;
    try {
      response = await fetch(WORKLIST_URL, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
    } catch (err) { response = null; }
    if (response && response.status === 401) {
      $('login-banner').hidden = false;
      response = window.caches ? await caches.match(WORKLIST_URL) : null; // the last copy, kept by the service worker
    }
    if (!response || !response.ok) {
      $('worklist-note').textContent = worklist ? 'Offline: showing the list as last loaded.'
        : 'Offline and no worklist on this phone yet. Open this page once with a network.';
      return;
    }
    const data = await response.json();
    if (data.csrf_token) csrf = data.csrf_token;
    worklist = data;
    renderWorklist();
  }

  function renderWorklist() {
    cards = new Map();
    const root = $('worklist');
    const total = worklist.wards.reduce((n, w) => n + w.cards, 0);
    $('worklist-note').textContent = worklist.wards.length
      ? `${total} cards to verify or deliver in ${worklist.wards.length} ward(s)` + (navigator.onLine ? '' : ' (offline copy)')
        + (worklist.truncated ? `; first ${worklist.limit} shown` : '')
        + (worklist.marked_today ? ` · ${worklist.marked_today} marked by you today` : '')
      : 'No ward is assigned to you yet. Ask the card office.';
    const open = new Set([...root.querySelectorAll('details[open]')].map((d) => d.dataset.ward));
    root.replaceChildren(...worklist.wards.map((ward, i) => {
      const details = document.createElement('details');
      details.dataset.ward = ward.ward;
      details.open = open.size ? open.has(ward.ward) : i === 0;
      const summary = document.createElement('summary');
      summary.textContent = `${ward.ward} · ${ward.cards} cards · ${ward.to_deliver || 0} to deliver · ${ward.households.length} homes`;
      details.append(summary);
      ward.households.forEach((home) => {
        const box = document.createElement('div');
        box.className = 'home';
        const head = document.createElement('p');
        head.className = 'home-head';
        head.textContent = home.address || home.code || '';
        box.append(head);
        home.cards.forEach((card) => {
          cards.set(card.number, { card, ward: ward.ward, home });
          const button = document.createElement('button');
          button.type = 'button'; button.className = 'member'; button.dataset.card = card.number;
          const name = document.createElement('span'); name.className = 'member-name';
          name.textContent = card.name;
          if (card.name_hi) { const hi = document.createElement('span'); hi.className = 'hi'; hi.textContent = ' ' + card.name_hi; name.append(hi); }
          const facts = document.createElement('span'); facts.className = 'member-facts';
          facts.textContent = `${card.relation} · ${card.sex} · ${card.birth_year || '?'} · ${card.pretty}`;
          const state = document.createElement('span'); state.className = 'chip'; state.dataset.status = card.status;
          state.dataset.deliver = card.to_deliver ? 'yes' : 'no';
          state.textContent = statusName(card);
          if (card.enrolled) state.textContent += ' · provisional';
          if (card.last_mark && card.last_mark.outcome !== 'verified') state.textContent += ` · last visit: ${OUTCOME_NAMES[card.last_mark.outcome]}`;
          const mark = document.createElement('span'); mark.className = 'chip chip-mark'; mark.hidden = true;
          button.append(name, facts, state, mark);
          button.addEventListener('click', () => openSheet(card.number, null));
          box.append(button);
        });
        details.append(box);
      });
      return details;
    }));
    fillStreets();
    store.all().then(overlayMarks);
  }

  // --- finding people on the list: a search and filters by street and status, on the phone (works offline) ---
  const fold = (text) => (text || '').toLowerCase().replace(/[\s-]+/g, ' ').trim();
  let phoneMarks = new Map(); // card number -> latest mark on this phone

  function fillStreets() {
    const counts = new Map();
    worklist.wards.forEach((ward) => ward.households.forEach((home) => {
      if (home.street) counts.set(home.street, (counts.get(home.street) || 0) + home.cards.length);
    }));
    const select = $('filter-street');
    const chosen = select.value;
    const streets = [...counts.keys()].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
    select.replaceChildren(select.options[0], ...streets.map((street) => {
      const option = document.createElement('option');
      option.value = street; option.textContent = `${street} (${counts.get(street)})`;
      return option;
    }));
    select.value = counts.has(chosen) ? chosen : '';
    $('worklist-filter').hidden = !worklist.wards.length;
  }

  function cardMatches(entry, text, street, status) {
    const { card, home } = entry;
    if (street && home.street !== street) return false;
    const mark = phoneMarks.get(card.number);
    if (status === 'issued' || status === 'verified') { if (card.status !== status) return false; }
    else if (status === 'not_found' || status === 'moved') { if (!card.last_mark || card.last_mark.outcome !== status) return false; }
    else if (status === 'unmarked') { if (mark) return false; }
    else if (status === 'marked') { if (!mark) return false; }
    if (!text) return true;
    const digits = text.replace(/\D/g, '');
    return fold(`${card.name} ${card.name_hi || ''} ${home.address || ''} ${home.code || ''}`).includes(text)
      || (digits.length >= 4 && card.number.includes(digits));
  }

  function applyFilter() {
    if (!worklist) return;
    const text = fold($('filter-text').value);
    const street = $('filter-street').value;
    const status = $('filter-status').value;
    const active = Boolean(text || street || status);
    let shown = 0;
    document.querySelectorAll('#worklist details').forEach((details) => {
      let inWard = 0;
      details.querySelectorAll('.home').forEach((box) => {
        let inHome = 0;
        box.querySelectorAll('.member').forEach((button) => {
          const ok = cardMatches(cards.get(button.dataset.card), text, street, status);
          button.hidden = !ok; inHome += ok ? 1 : 0;
        });
        box.hidden = inHome === 0; inWard += inHome;
      });
      details.hidden = active && inWard === 0;
      if (active && inWard) details.open = true;
      shown += inWard;
    });
    $('filter-count').textContent = active ? `${shown} of ${cards.size} shown` : '';
  }
  ['filter-text', 'filter-street', 'filter-status'].forEach((id) => $(id).addEventListener('input', applyFilter));
  $('worklist-filter').addEventListener('submit', (event) => { event.preventDefault(); applyFilter(); });

  function overlayMarks(marks) {
    const latest = new Map();
    marks.forEach((m) => { if (m.state !== 'conflict') latest.set(m.payload.card_number, m); });
    phoneMarks = latest;
    document.querySelectorAll('.member').forEach((button) => {
      const chip = button.querySelector('.chip-mark');
      const mark = latest.get(button.dataset.card);
      chip.hidden = !mark;
      if (mark) {
        chip.dataset.state = mark.state;
        chip.textContent = `${OUTCOME_NAMES[mark.payload.outcome]} · ${mark.state === 'pending' ? 'waiting to send' : 'sent'}`;
      }
    });
    applyFilter();
  }

  // --- the mark sheet ---
  function openSheet(number, qr) {
    const found = cards.get(number);
    current = { number, qr };
    $('sheet-title').textContent = `Card ${pretty(number)}`;
    $('sheet-person').textContent = found
      ? `${found.card.name} (${found.card.relation}, ${found.card.birth_year || '?'}) · ${found.home.address || ''}`
      : 'Not on your worklist: the mark is sent and the card office checks it.';
    document.querySelectorAll('input[name="outcome"]').forEach((r) => { r.checked = false; });
    $('note').value = ''; $('photo').value = ''; $('photo-preview').hidden = true; photo = null;
    $('sheet-error').textContent = '';
    $('sheet').hidden = false;
    $('sheet').scrollIntoView({ block: 'start' });
    locate();
  }

  function closeSheet() { $('sheet').hidden = true; current = null; }

  function locate() {
    position = null;
    if (!navigator.geolocation) { $('location').textContent = 'Location: this phone cannot tell.'; return; }
    $('location').textContent = 'Location: finding…';
    navigator.geolocation.getCurrentPosition((pos) => {
      position = pos.coords;
      $('location').textContent = `Location: ${pos.coords.latitude.toFixed(5)}, ${pos.coords.longitude.toFixed(5)} ±${Math.round(pos.coords.accuracy)} m`;
    }, (err) => {
      $('location').textContent = `Location: not available (${err.message || 'refused'}); the mark is saved without it.`;
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  }

  // Resize on the phone: a 12 MP photo becomes ~1000 px JPEG (well under the server's 400 kB bound).
  async function shrink(file) {
    const bitmap = await createImageBitmap(file);
    const scale = Math.min(1, 1000 / Math.max(bitmap.width, bitmap.height));
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(bitmap.width * scale); canvas.height = Math.round(bitmap.height * scale);
    canvas.getContext('2d').drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    for (const quality of [0.7, 0.5, 0.35]) {
      const url = canvas.toDataURL('image/jpeg', quality);
      if (url.length < 500000) return url;
    }
    throw new Error('photo too large');
  }

  $('photo').addEventListener('change', async (event) => {
    const file = event.target.files[0];
    if (!file) return;
    try {
      photo = await shrink(file);
      $('photo-preview').src = photo; $('photo-preview').hidden = false;
    } catch (err) { photo = null; $('sheet-error').textContent = 'That photo could not be read; take it again.'; }
  });

  $('save-mark').addEventListener('click', async () => {
    const chosen = document.querySelector('input[name="outcome"]:checked');
    if (!chosen) { $('sheet-error').textContent = 'Choose what happened.'; return; }
    const payload = {
      client_id: store.newId(), outcome: chosen.value, card_number: current.number, note: $('note').value.trim(),
      recorded_at: new Date().toISOString(),
    };
    if (current.qr) payload.qr = current.qr;
    if (position) Object.assign(payload, { latitude: position.latitude, longitude: position.longitude, accuracy: position.accuracy });
    if (photo) payload.photo = photo;
    const known = cards.get(current.number); // kept on the phone only: the card may leave the worklist
    await store.put({ client_id: payload.client_id, state: 'pending', saved_at: Date.now(), payload,
      who: known ? known.card.name : null });
    closeSheet();
    await setNet();
    sync();
  });
  $('cancel-mark').addEventListener('click', closeSheet);

  // --- finding a card: typed number or the camera ---
  $('number-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const digits = $('number-input').value.replace(/[\s-]/g, '');
    if (!validNumber(digits)) { $('find-error').textContent = 'That is not a valid card number: check the 12 digits.'; return; }
    $('find-error').textContent = ''; $('number-input').value = '';
    openSheet(digits, null);
  });

  let stream = null;
  function stopCamera() {
    if (stream) stream.getTracks().forEach((t) => t.stop());
    stream = null; $('camera').hidden = true;
  }
  function tick() {
    if (!stream) return;
    const video = $('camera-video'); const canvas = $('camera-canvas');
    if (video.readyState === video.HAVE_ENOUGH_DATA) {
      canvas.width = video.videoWidth; canvas.height = video.videoHeight;
      const context = canvas.getContext('2d', { willReadFrequently: true });
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      const frame = context.getImageData(0, 0, canvas.width, canvas.height);
      const code = window.jsQR(frame.data, frame.width, frame.height, { inversionAttempts: 'dontInvert' });
      if (code && code.data) {
        const number = numberFromQr(code.data);
        if (number) { stopCamera(); openSheet(number, code.data); return; }
        $('camera-status').textContent = 'That QR is not a Sampark card.';
      }
    }
    requestAnimationFrame(tick);
  }
  $('scan-button').addEventListener('click', async () => {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      $('find-error').textContent = 'The camera needs https; type the card number instead.'; return;
    }
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } });
    } catch (err) { $('find-error').textContent = 'No camera: ' + err.message + '. Type the card number.'; return; }
    $('camera').hidden = false; $('camera-video').srcObject = stream; await $('camera-video').play();
    $('camera-status').textContent = 'Hold the card\'s QR in the frame.';
    requestAnimationFrame(tick);
  });
  $('camera-stop').addEventListener('click', stopCamera);

  // --- sending: one mark per request, each with its client id; a resend is answered, not applied again ---
  async function sync() {
    if (syncing) return;
    const pending = (await store.all()).filter((m) => m.state === 'pending');
    if (!pending.length || !navigator.onLine) { setNet(); return; }
    syncing = true; $('net').dataset.state = 'sending'; $('net').textContent = 'Sending…';
    let sentAny = false;
    try {
      await loadWorklist(); // a fresh CSRF token (the cached page's may be old)
      for (const mark of pending) {
        const response = await fetch('/api/v1/field/marks', {
          method: 'POST', credentials: 'same-origin',
          headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRFToken': csrf },
          body: JSON.stringify(mark.payload),
        });
        if (response.status === 401) { $('login-banner').hidden = false; break; }
        const answer = await response.json().catch(() => ({}));
        if (response.ok) {
          mark.state = answer.result === 'conflict' ? 'conflict' : 'sent'; mark.answer = answer; sentAny = true;
        } else if (response.status >= 400 && response.status < 500 && ![408, 429].includes(response.status)) {
          mark.state = 'conflict'; mark.answer = { conflict: answer.message || `Refused (${response.status})` };
        } else { break; } // the server is struggling: keep the rest for later
        await store.put(mark);
      }
    } catch (err) {
      // offline again: the marks stay pending
    } finally {
      syncing = false;
    }
    if (sentAny) await loadWorklist();
    await setNet();
  }
  $('sync-now').addEventListener('click', sync);
  window.addEventListener('online', () => { setNet(); sync(); });
  window.addEventListener('offline', setNet);
  setInterval(sync, 30000);

  // A shared phone: logging out drops the cached worklist (pending marks wait in this verifier's own queue).
  $('logout-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const pending = (await store.all()).filter((m) => m.state === 'pending').length;
    if (pending && !window.confirm(`${pending} mark(s) are not sent yet. They stay on this phone until you log in again. Log out?`)) return;
    if (window.caches) { for (const key of await caches.keys()) if (key.startsWith('sampark-field')) await caches.delete(key); }
    event.target.submit();
  });

  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register('/field/sw.js', { scope: '/field/' }).catch(() => {});
  }
  store.prune(Date.now() - 24 * 3600 * 1000).catch(() => {});
  window.SamparkField = { sync, validNumber, numberFromQr };
  loadWorklist().then(setNet).then(sync);
})();
