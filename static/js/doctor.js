// Tier-2 dashboard. The database is the truth: socket events only say "look again", and the page
// re-reads /api/v1/queues/tier2 through the shared live client (Sampark.live). Citizen and operator text is
// only ever set with textContent (or comes escaped from the server's HTML fragments).
(function () {
  const root = document.getElementById('doctor');
  const me = Number(root.dataset.staff);
  let onDuty = root.dataset.onDuty === 'true';
  let waiting = [];
  let selected = null;
  const $ = (id) => document.getElementById(id);

  const { api, toast } = window.Sampark;  // shared: errors, expired sessions, network failures

  function waited(iso) {
    if (!iso) return '';
    const s = Math.max(0, Math.floor((Date.now() - Date.parse(iso)) / 1000));
    return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
  }


  function cell(tr, text, cls) {
    const td = document.createElement('td');
    td.textContent = text; if (cls) td.className = cls; tr.appendChild(td); return td;
  }

  // What the case is about, in words a doctor reads: the operator's summary, else the caller's own words and the
  // triage rules they matched (in plain language, from the server).
  function gist(c) {
    const why = c.reason || {};
    const words = why.words ? `“${why.words}”` : '';
    const rules = (why.rules || []).join('; ');
    return c.summary || [words, rules].filter(Boolean).join(' · ') || '—';
  }

  function render(data) {
    waiting = data.waiting;
    const body = $('waiting');
    body.replaceChildren();
    if (!waiting.length) {
      const tr = document.createElement('tr'); cell(tr, 'Nobody is waiting for tier 2.', 'muted').colSpan = 7; body.appendChild(tr);
    }
    for (const c of waiting) {
      const tr = document.createElement('tr');
      tr.dataset.case = c.id; tr.className = c.queue === 'emergency' ? 'emergency' : '';
      if (selected === c.id) tr.classList.add('selected');
      cell(tr, c.reference);
      cell(tr, c.priority, 'prio prio-' + c.priority);
      cell(tr, c.queue === 'emergency' ? 'emergency' : (c.specialty || 'general').replace(/_/g, ' '));
      cell(tr, window.Sampark.languageName(c.language), 'lang');  // the caller's language: the doctor may need an interpreter
      cell(tr, gist(c), 'gist');
      cell(tr, waited(c.escalated_at || c.queued_at), 'timer').dataset.since = c.escalated_at || c.queued_at || '';
      const td = document.createElement('td');
      const b = document.createElement('button'); b.type = 'button'; b.textContent = 'Accept'; b.dataset.accept = c.id;
      td.appendChild(b); tr.appendChild(td);
      tr.addEventListener('click', (e) => { if (!e.target.dataset.accept) show(c.id); });
      body.appendChild(tr);
    }
    $('waiting-count').textContent = `(${waiting.length})`;
    myLegs = (data.me && data.me.legs) || [];
    mineNow = data.mine || [];
    // A supervisor may change this doctor's duty: the page follows, and says who and why.
    const duty = $('duty-toggle');
    if (data.me && duty && duty.checked !== data.me.on_duty) { onDuty = data.me.on_duty; duty.checked = onDuty; }
    const setBy = $('set-by');
    if (setBy && data.me) {
      setBy.hidden = !data.me.set_by;
      setBy.textContent = data.me.set_by ? `Set to ${data.me.set_by.state} by ${data.me.set_by.name}: ${data.me.set_by.reason || 'no reason given'}` : '';
    }
    const mine = $('mine');
    mine.replaceChildren();
    for (const c of data.mine) {
      const li = document.createElement('li');
      const a = document.createElement('a'); a.href = '#'; a.textContent = `${c.reference} · ${c.priority} · ${c.channel} · ${window.Sampark.languageName(c.language)}`;
      a.addEventListener('click', (e) => { e.preventDefault(); show(c.id); });
      li.appendChild(a); mine.appendChild(li);
    }
    legs();
    alarm();
  }

  // Every call leg of this doctor that is up keeps its controls on screen (the shared bar, static/js/call-legs.js),
  // except the call of the case open in the panel while the panel shows its own controls: after Complete with the
  // call kept, a hand-over, or a case that left "My cases", the line is still held, muted, left or ended from here.
  let myLegs = [];
  function legs() {
    const panelControls = $('detail').querySelector('article.doctor-case section.call-controls [data-act=hold]');
    legBar.show(myLegs, panelControls ? Number(panelControls.closest('article').dataset.case) : null);
  }

  // The alarm: every emergency nobody has accepted rings, visibly and audibly, until one doctor
  // accepts it. Level 1 rings doctors on duty; level 2 (nobody accepted in time) rings everyone.
  // The browser lets a page sound only after a click, so a shift starts with "sound on" (a test tone);
  // while it is off the page says so and the supervisor sees it (PUT /api/v1/me/sound).
  let audio = null; let beeping = null; let flashing = null; const notified = new Set();
  const soundBox = $('sound');
  function soundState(on) {
    if (!soundBox) return;
    if (soundBox.dataset.state === (on ? 'on' : 'off')) return;
    soundBox.dataset.state = on ? 'on' : 'off';
    $('sound-state').textContent = on ? 'Alarm sound is on.' : 'Alarm sound is OFF: you will not hear an emergency.';
    $('sound-on').textContent = on ? 'Test tone' : 'Turn sound on (plays a test tone)';
    api('PUT', '/api/v1/me/sound', { on });
  }
  function audible() { return !!audio && audio.state === 'running'; }
  function beep() {
    if (!audible()) return;  // no click yet: the banner, the title and the notification still ring
    const osc = audio.createOscillator(); const gain = audio.createGain();
    osc.frequency.value = 880; gain.gain.value = 0.2; osc.connect(gain); gain.connect(audio.destination);
    osc.start(); osc.stop(audio.currentTime + 0.35);
  }
  async function soundOn() {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      audio.onstatechange = () => soundState(audible());  // a device change or the OS may suspend it
      await audio.resume();
    } catch (e) { audio = null; }
    beep();
    soundState(audible());
    if (!audible()) toast('This browser will not play sound: keep the page visible.', true);
    if ('Notification' in window && Notification.permission === 'default') {
      try { await Notification.requestPermission(); } catch (e) { /* older browsers: callback form only */ }
    }
    notifyState();
  }
  function notifyState() {
    const box = $('notify-state');
    if (!box) return;
    const how = 'Notification' in window ? Notification.permission : 'unsupported';
    box.textContent = { granted: 'System notifications on.', denied: 'System notifications blocked in this browser.',
      default: 'System notifications not allowed yet.', unsupported: '' }[how];
  }
  function notify(c) {
    if (notified.has(c.id) || !('Notification' in window) || Notification.permission !== 'granted') return;
    notified.add(c.id);
    try {
      const n = new Notification(`EMERGENCY ${c.reference}`, { body: `Caller ${c.caller || 'unknown'}: open Sampark to accept.`, tag: `case-${c.id}`, requireInteraction: true });
      n.onclick = () => { window.focus(); show(c.id); };
    } catch (e) { /* notifications need a service worker on some platforms: the page still rings */ }
  }
  // The title flashes what is due now: a case accepted or closed meanwhile leaves it at the next read.
  let flashText = '';
  function flash(text) {
    flashText = text;
    if (flashing) return;
    let odd = false;
    flashing = setInterval(() => { odd = !odd; document.title = odd ? flashText : '🚨 EMERGENCY · Sampark'; }, 1000);
    document.title = '🚨 EMERGENCY · Sampark';
  }
  // During the doctor's own emergency call a beep every second would drown the caller: a soft low tone instead.
  function murmur() {
    if (!audible()) return;
    const osc = audio.createOscillator(); const gain = audio.createGain();
    osc.frequency.value = 440; gain.gain.value = 0.04; osc.connect(gain); gain.connect(audio.destination);
    osc.start(); osc.stop(audio.currentTime + 0.15);
  }
  let mineNow = [];
  // On their own emergency, or on any call at all (a leg connected, whatever the panel shows: a call kept after
  // Complete too), the other emergencies murmur; the banner, the title and the notification still tell them.
  function onOwnEmergency() {
    return mineNow.some((c) => c.queue === 'emergency' || c.priority === 'P1') || myLegs.some((leg) => leg.connected);
  }
  function ringing() {
    // Emergencies, and live referrals to this doctor's specialty (a caller is on the line, handed over).
    return waiting.filter((c) => c.alarm_level >= 2 || (c.alarm_level >= 1 && onDuty));
  }
  function alarm() {
    const due = ringing();
    const box = $('alarm');
    if (!due.length) {
      box.hidden = true; if (beeping) clearInterval(beeping.timer); beeping = null; clearInterval(flashing); flashing = null;
      document.title = 'Doctor · Sampark'; return;
    }
    const first = due[0];
    box.hidden = false; box.dataset.case = first.id;
    $('alarm-detail').textContent = `${first.reference} · caller ${first.caller || 'unknown'} · speaks ${window.Sampark.languageName(first.language)} · waiting ${waited(first.queued_at)}` +
      (due.length > 1 ? ` · ${due.length} emergencies` : '') + (first.alarm_level >= 2 ? ' · NOT ANSWERED IN TIME' : '');
    // Every emergency can be accepted from the banner, not only the first.
    const more = $('alarm-more');
    if (more) {
      const keep = due.slice(1).map((c) => String(c.id)).join(',');
      if (more.dataset.cases !== keep) {
        more.dataset.cases = keep;
        more.replaceChildren(...due.slice(1).map((c) => {
          const b = document.createElement('button');
          b.type = 'button'; b.className = 'alarm-accept alarm-accept-more'; b.dataset.acceptAlarm = c.id;
          b.textContent = `Accept ${c.reference}`;
          return b;
        }));
      }
    }
    due.forEach(notify);
    flash(due.length > 1 ? `${due.length} emergencies waiting · Sampark` : `${first.reference} waiting · Sampark`);
    const quiet = onOwnEmergency();
    if (beeping && beeping.quiet !== quiet) { clearInterval(beeping.timer); beeping = null; }
    if (!beeping) {
      (quiet ? murmur : beep)();
      beeping = { quiet, timer: setInterval(quiet ? murmur : beep, quiet ? 5000 : 1200) };
    }
  }
  if (soundBox) {
    $('sound-on').addEventListener('click', soundOn);
    api('PUT', '/api/v1/me/sound', { on: false });  // a fresh page cannot sound until clicked
    notifyState();
  }

  // The case panel is patched section by section, never redrawn under the doctor's hands: a note being
  // typed keeps its text and focus when the citizen texts again (drafts are kept per case, also across
  // a reload, by Sampark's data-draft fields). Its reads go through a shared reader: the newest wins, so a
  // panel that left before the doctor accepted never brings the Accept button back.
  const panel = window.Sampark.reader({
    read: async () => {
      const caseId = selected;
      if (!caseId) return null;
      const response = await window.Sampark.html(`/doctor/cases/${caseId}/panel`);
      return { caseId, response };
    },
    show: ({ caseId, response }) => {
      if (!response.ok) { if (!panel.quiet && response.status !== 401) toast('Could not open the case.', true); return; }
      const fresh = document.createElement('div');
      fresh.innerHTML = response.text;  // server-rendered, autoescaped
      const box = $('detail');
      const current = box.querySelector('article.doctor-case');
      const article = fresh.querySelector('article.doctor-case');
      if (selected !== caseId || !article) return;  // another case was chosen meanwhile
      const same = current && current.dataset.case === article.dataset.case;
      if (same) {
        for (const name of ['mine', 'channel', 'liveCall']) current.dataset[name] = article.dataset[name];
        Sampark.patch(current, article);
      } else { box.replaceChildren(article); Sampark.drafts.restore(box); }
      loadSlots();
      legs();
      document.querySelectorAll('#waiting tr').forEach((tr) => tr.classList.toggle('selected', Number(tr.dataset.case) === caseId));
    },
  });
  async function show(caseId, quiet) {
    selected = caseId;
    panel.quiet = !!quiet;
    try { localStorage.setItem(`sampark.doctor.${me}.selected`, String(caseId)); } catch (e) { /* no storage */ }
    await panel.now();
  }

  async function accept(caseId) {
    const r = await api('POST', `/api/v1/cases/${caseId}/accept`);
    if (!r.ok) { toast(r.data.message || 'Could not accept.', true); await refresh(); return; }
    const how = { joining: 'Joining the call…', connecting: 'Connecting the caller…',
      caller_gone: r.data.channel === 'voice' ? 'The caller has hung up: call back or text.' : 'Text the citizen, or call back.',
      failed: 'Could not connect the call.' }[r.data.connection];
    toast(`You have ${r.data.reference}. ${how || ''}`);
    await refresh(); await show(caseId);
  }

  async function loadSlots() {
    const select = document.querySelector('select[data-slots]');
    if (!select || select.dataset.loaded) return;
    select.dataset.loaded = 'yes';
    const r = await api('GET', '/api/v1/slots' + (select.dataset.slots ? `?specialty=${encodeURIComponent(select.dataset.slots)}` : ''));
    select.replaceChildren();
    const none = document.createElement('option'); none.value = '';
    none.textContent = r.ok && r.data.slots.length ? 'Choose a slot…' : 'No open slots'; select.appendChild(none);
    // Grouped by day and facility (Delhi time, the zone named), so a hundred slots read as a short list of places.
    const groups = new Map();
    for (const s of (r.ok ? r.data.slots : [])) {
      const at = new Date(s.starts_at);
      const day = at.toLocaleDateString('en-IN', { timeZone: 'Asia/Kolkata', weekday: 'short', day: 'numeric', month: 'short' });
      const key = `${day} · ${s.facility}`;
      if (!groups.has(key)) { const g = document.createElement('optgroup'); g.label = key; groups.set(key, g); select.appendChild(g); }
      const o = document.createElement('option'); o.value = s.id;
      o.textContent = `${at.toLocaleTimeString('en-IN', { timeZone: 'Asia/Kolkata', hour: '2-digit', minute: '2-digit', hour12: false })} IST · ${s.doctor}`;
      o.dataset.search = `${key} ${s.doctor}`.toLowerCase();
      groups.get(key).appendChild(o);
    }
    const filter = select.form.querySelector('[data-slot-filter]');
    if (filter && !filter.dataset.bound) {
      filter.dataset.bound = 'yes';
      filter.addEventListener('input', () => {
        const words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
        select.querySelectorAll('optgroup').forEach((g) => {
          let shown = 0;
          g.querySelectorAll('option').forEach((o) => {
            const match = words.every((w) => o.dataset.search.includes(w));
            o.hidden = !match; o.disabled = !match; shown += match ? 1 : 0;
          });
          g.hidden = shown === 0;
        });
      });
    }
    Sampark.drafts.restore(select.form);
  }

  document.addEventListener('click', async (e) => {
    const id = e.target.dataset.accept || (e.target.dataset.act === 'accept' && e.target.closest('[data-case]').dataset.case);
    if (id) { e.preventDefault(); await accept(Number(id)); return; }
    const act = e.target.dataset.act;
    const article = e.target.closest('article[data-case]');
    if (!act || !article || e.target.tagName !== 'BUTTON' || e.target.type === 'submit') return;
    if (act === 'end-call' && !window.confirm('End the call for the caller and everyone on it?')) return;
    const flag = e.target.dataset.on;
    const r = await api('POST', `/api/v1/cases/${article.dataset.case}/${act}`, flag === undefined ? undefined : { on: flag === 'true' });
    const said = { 'call-back': 'Calling the citizen back…', join: 'Ringing you into the call…', leave: 'You have left the call.',
      hold: flag === 'true' ? 'The caller is on hold (music).' : 'The caller is back.', mute: flag === 'true' ? 'You are muted.' : 'You are unmuted.',
      'end-call': 'The call has ended.' };
    toast(r.ok ? (said[act] || 'Done.') : r.data.message, !r.ok);
    await show(Number(article.dataset.case), true);
  });

  // Identify the caller as the operator can: QR, card number or phone (audited), or a household pick.
  async function identify(article, query, form) {
    const r = await api('POST', `/api/v1/cases/${article.dataset.case}/identify`, query);
    toast(r.ok ? `Caller identified: ${r.data.name}.` : r.data.message, !r.ok);
    if (!r.ok) return;
    if (form) { Sampark.drafts.forget(form); form.reset(); }
    await show(Number(article.dataset.case), true);
  }
  document.addEventListener('click', (e) => {
    const pick = e.target.closest('button[data-pick]');
    const article = pick && pick.closest('article.doctor-case');
    if (article) identify(article, { patient_id: Number(pick.dataset.pick) });
  });

  document.addEventListener('submit', async (e) => {
    const form = e.target.closest('form[data-act]');
    if (!form) return;
    e.preventDefault();
    const article = form.closest('article[data-case]');
    const data = Object.fromEntries(new FormData(form).entries());
    let url = `/api/v1/cases/${article.dataset.case}/${form.dataset.act}`;
    if (form.dataset.act === 'identify') { await identify(article, Sampark.scanQuery(data.query || ''), form); return; }
    if (form.dataset.act === 'appointments') { url = '/api/v1/appointments'; data.case_id = Number(article.dataset.case); data.slot_id = Number(data.slot_id); }
    const r = await api('POST', url, data);
    if (r.ok && form.dataset.act === 'notes/break-glass') {  // shown here once; the access is on the audit log
      const box = form.parentElement.querySelector('.glass-notes');
      const shown = new Set([...article.querySelectorAll('[data-note]')].map((q) => Number(q.dataset.note)));
      const fresh = r.data.notes.filter((n) => !shown.has(n.id));  // those the panel did not already show
      box.replaceChildren(...fresh.map((n) => {
        const q = document.createElement('blockquote'); q.textContent = n.body;
        if (String(n.case_id) !== article.dataset.case) { const f = document.createElement('footer'); f.textContent = 'earlier case'; q.append(f); }
        return q;
      }));
      if (!fresh.length) box.textContent = 'No notes yet.';
      form.remove();
      return;
    }
    const done = { refer: 'Referred. If the caller is on the line the specialist is rung: hand over, then leave.',
      text: 'SMS sent.', notes: 'Note added.', appointments: 'Appointment booked.', complete: 'Case completed.' };
    toast(r.ok ? (done[form.dataset.act] || 'Saved.') : r.data.message, !r.ok);
    if (r.ok) {
      Sampark.drafts.forget(form); form.reset();
      await refresh(); await show(Number(article.dataset.case), true);
    }
  });

  $('alarm-accept').addEventListener('click', () => accept(Number($('alarm').dataset.case)));
  $('alarm').addEventListener('click', (e) => {
    const b = e.target.closest('[data-accept-alarm]');
    if (b) accept(Number(b.dataset.acceptAlarm));
  });
  document.addEventListener('keydown', (e) => {
    if (e.target.matches('input, textarea, select')) return;
    if ((e.key === 'a' || e.key === 'A') && !$('alarm').hidden) { e.preventDefault(); accept(Number($('alarm').dataset.case)); }
  });
  const duty = $('duty-toggle');
  if (duty) duty.addEventListener('change', async () => {
    const r = await api('PUT', '/api/v1/me/duty', { on_duty: duty.checked });
    onDuty = r.ok ? r.data.on_duty : !duty.checked; duty.checked = onDuty; alarm();
  });

  setInterval(() => document.querySelectorAll('td.timer').forEach((td) => { td.textContent = waited(td.dataset.since); }), 1000);

  // The clinical note being typed: what triage reads in it, beside the field (the same classify as SMS and IVR).
  window.FlagHints.delegate($('detail'), 'textarea[data-flag-hints]');

  const legBar = window.SamparkLegs({ api, toast, refresh: () => { board.refresh(); if (selected) { panel.quiet = true; panel.soon(); } } });

  // The board: every case event in the doctor's rooms reads it again (one read for a burst); an event about
  // the case on screen reads its panel too.
  const board = window.Sampark.live({
    rooms: ['tier2', 'emergency'],
    read: async () => { const r = await api('GET', '/api/v1/queues/tier2'); return r.ok ? r.data : null; },
    show: render,
    heard: (name, payload) => {
      if (selected && (!payload || !payload.id || payload.id === selected)) { panel.quiet = true; panel.soon(); }
    },
    status: { element: $('live'), live: 'live', down: 'reconnecting…' },
    every: { live: 15000, down: 15000 },  // a safety net if the socket is silently gone
  });
  const refresh = board.refresh;
  window.sampark = board;  // for support staff in the browser console, and the browser tests
  let kept = null;
  try { kept = Number(localStorage.getItem(`sampark.doctor.${me}.selected`)) || null; } catch (e) { kept = null; }
  if (kept) show(kept, true);  // after a reload: the same case, with its drafts
})();
