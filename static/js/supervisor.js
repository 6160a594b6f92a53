/* The supervisor's floor: queue tiles against targets, every operator and doctor, listen / whisper / barge. */
(function () {
  'use strict';
  const F = window.SamparkFloor;
  const root = document.getElementById('floor');
  const STATE_NAMES = { available: 'Available', on_call: 'On call', wrap_up: 'Wrap-up', break: 'Break', offline: 'Offline',
    on_duty: 'On duty', off_duty: 'Logged in, off duty' };
  const MODES = [['listen', 'Listen'], ['whisper', 'Whisper'], ['barge', 'Barge']];
  const PRIORITY_NAMES = { P1: 'P1 emergency', P2: 'P2 urgent', P3: 'P3 soon' };
  let readAt = Date.now(), agents = [], waiting = [], queueNames = [], monitoring = null, pendingRender = false;
  const choosing = () => document.activeElement && document.activeElement.tagName === 'SELECT' &&
    document.getElementById('floor').contains(document.activeElement);

  function cell(row, text, className) {
    const td = document.createElement('td');
    td.textContent = text;
    if (className) td.className = className;
    row.append(td);
    return td;
  }

  function select(label, placeholder, options, onChoose) {
    const choose = document.createElement('select');
    choose.setAttribute('aria-label', label);
    choose.append(new Option(placeholder, ''));
    for (const [value, text] of options) choose.append(new Option(text, value));
    choose.addEventListener('change', () => { if (choose.value) onChoose(choose.value); });
    choose.addEventListener('blur', () => { if (pendingRender) { renderAgents(); renderWaiting(); } });
    return choose;
  }

  // A reason asked in the page (no browser prompt): resolves with the text, or null when cancelled.
  function ask(question, preset) {
    const dialog = document.getElementById('reason-dialog');
    const input = document.getElementById('reason-text');
    document.getElementById('reason-question').textContent = question;
    input.value = preset || '';
    return new Promise((resolve) => {
      const form = document.getElementById('reason-form');
      const cancel = document.getElementById('reason-cancel');
      const finish = (value) => {
        form.removeEventListener('submit', onSubmit); cancel.removeEventListener('click', onCancel);
        dialog.removeEventListener('cancel', onCancel);
        if (dialog.open) dialog.close();
        resolve(value);
      };
      const onSubmit = (e) => { e.preventDefault(); const v = input.value.trim(); if (v) finish(v); };
      const onCancel = (e) => { if (e) e.preventDefault(); finish(null); };
      form.addEventListener('submit', onSubmit); cancel.addEventListener('click', onCancel);
      dialog.addEventListener('cancel', onCancel);
      dialog.showModal();
      input.focus();
    });
  }

  async function act(url, payload, done) {
    const status = document.getElementById('monitor-status');
    const reason = await ask('Why? (it goes on the case timeline under your name)', '');
    if (document.activeElement) document.activeElement.blur();
    if (!reason) { renderAgents(); renderWaiting(); return; }
    const r = await window.Sampark.api('POST', url, Object.assign({ reason }, payload));
    status.textContent = r.ok ? done(r.data) : r.data.message;
    if (!r.ok) { renderAgents(); renderWaiting(); }
  }

  function renderWaiting() {
    const body = document.getElementById('waiting-cases');
    if (choosing()) { pendingRender = true; return; }
    body.innerHTML = '';
    for (const c of waiting) {
      const tr = document.createElement('tr');
      tr.dataset.case = c.id;
      tr.dataset.priority = c.priority;
      cell(tr, c.reference, 'case-ref');
      cell(tr, c.queue);
      cell(tr, c.priority);
      cell(tr, { voice: 'Call', sms: 'SMS', whatsapp: 'WhatsApp' }[c.channel] || 'Text');
      const since = cell(tr, '', 'agent-since');
      since.dataset.seconds = c.waited === null ? '' : c.waited;
      const actions = cell(tr, '', 'floor-actions');
      actions.append(select(`Move ${c.reference} to another queue`, 'Move to…',
        queueNames.filter((q) => q !== c.queue).map((q) => [q, q]),
        (queue) => act(`/api/v1/cases/${c.id}/move`, { queue }, (d) => `${d.reference} moved to ${d.queue}.`)));
      const higher = Object.keys(PRIORITY_NAMES).filter((p) => p < c.priority);
      if (higher.length) {
        actions.append(select(`Raise ${c.reference}'s priority`, 'Raise to…', higher.map((p) => [p, PRIORITY_NAMES[p]]),
          (priority) => act(`/api/v1/cases/${c.id}/priority`, { priority }, (d) => `${d.reference} is now ${d.priority}.`)));
      }
      body.append(tr);
    }
    if (!waiting.length) body.innerHTML = '<tr><td colspan="6" class="muted">Nobody is waiting.</td></tr>';
    document.getElementById('waiting-count').textContent = waiting.length ? `${waiting.length}` : '';
    tickAgents();
  }

  function renderAgents() {
    const body = document.getElementById('agents');
    if (choosing()) {
      pendingRender = true;  // never rebuild the row a supervisor is choosing in
      return;
    }
    pendingRender = false;
    body.innerHTML = '';
    const counts = {};
    for (const a of agents) {
      counts[a.state] = (counts[a.state] || 0) + 1;
      const tr = document.createElement('tr');
      tr.dataset.agent = a.id;
      tr.dataset.state = a.state;
      cell(tr, a.name, 'agent-name');
      cell(tr, a.role === 'doctor' ? `Doctor${a.specialty ? ' · ' + a.specialty.replace(/_/g, ' ') : ''}` : 'Operator');
      const state = cell(tr, STATE_NAMES[a.state] || a.state);
      state.innerHTML = '';
      const chip = document.createElement('span');
      chip.className = 'chip';
      chip.dataset.state = a.state;
      chip.textContent = STATE_NAMES[a.state] || a.state;
      state.append(chip);
      if (a.sound_off) {  // an emergency would not ring on this doctor's page: ask them to switch sound on
        const mute = document.createElement('span');
        mute.className = 'chip sound-off';
        mute.textContent = 'Sound off';
        mute.title = 'On duty, but the alarm cannot sound on their Tier 2 page';
        state.append(' ', mute);
      }
      if (a.offers_missed) {  // calls rung to them that rang out (they were put on break)
        const missed = document.createElement('span');
        missed.className = 'chip missed';
        missed.textContent = `Missed ${a.offers_missed}`;
        missed.title = `Calls offered that rang out unanswered; last at ${a.last_missed_at
          ? new Date(a.last_missed_at).toLocaleTimeString('en-IN', { timeZone: 'Asia/Kolkata' }) : '–'} Delhi time`;
        state.append(' ', missed);
      }
      const since = cell(tr, '', 'agent-since');
      since.dataset.seconds = a.seconds_in_state === null ? '' : a.seconds_in_state;
      cell(tr, a.case || '', 'agent-case');
      cell(tr, a.cases_today, 'num');
      cell(tr, F.duration(a.average_handle_time), 'num');
      const actions = cell(tr, '', 'agent-monitor');
      if (!a.case_id) {
        const choose = document.createElement('select');
        choose.className = 'state-select';
        choose.setAttribute('aria-label', `Set ${a.name}'s state`);
        choose.innerHTML = '<option value="">Set state…</option><option value="available">Available</option>' +
          '<option value="break">Break</option><option value="offline">Offline</option>';
        choose.addEventListener('change', () => setState(a, choose.value));
        choose.addEventListener('blur', () => { if (pendingRender) { renderAgents(); renderWaiting(); } });
        actions.append(choose);
      }
      if (a.case_id) {
        const peers = agents.filter((p) => p.id !== a.id && p.role === a.role && p.state === 'available');
        if (peers.length) {
          actions.append(select(`Reassign ${a.case} to someone else`, 'Reassign…', peers.map((p) => [p.id, p.name]),
            (id) => act(`/api/v1/cases/${a.case_id}/reassign`, { staff_id: Number(id) },
              (d) => `${d.reference} reassigned.`)));
        }
        if (a.role === 'operator') {
          const take = document.createElement('button');
          take.type = 'button'; take.className = 'monitor-btn'; take.textContent = 'Take over';
          take.addEventListener('click', () => act(`/api/v1/cases/${a.case_id}/take-over`, {},
            (d) => `You have ${d.reference}. Your phone rings.`));
          actions.append(take);
        }
      }
      if (a.case_id && a.on_the_phone) {
        for (const [mode, label] of MODES) {
          const b = document.createElement('button');
          b.type = 'button';
          b.className = 'monitor-btn';
          b.dataset.mode = mode;
          b.textContent = label;
          if (monitoring && monitoring.case_id === a.case_id && monitoring.mode === mode) b.setAttribute('aria-pressed', 'true');
          b.addEventListener('click', () => monitor(a.case_id, mode, a));
          actions.append(b);
        }
        if (monitoring && monitoring.case_id === a.case_id) {
          const stop = document.createElement('button');
          stop.type = 'button'; stop.className = 'monitor-btn stop'; stop.textContent = 'Leave';
          stop.addEventListener('click', () => stopMonitor(a.case_id));
          actions.append(stop);
        }
      }
      body.append(tr);
    }
    if (!agents.length) body.innerHTML = '<tr><td colspan="8" class="muted">No operators or doctors yet.</td></tr>';
    document.getElementById('agent-counts').textContent = Object.entries(counts)
      .map(([k, n]) => `${n} ${(STATE_NAMES[k] || k).toLowerCase()}`).join(' · ');
    tickAgents();
  }

  function tickAgents() {
    const gone = (Date.now() - readAt) / 1000;
    document.querySelectorAll('#agents .agent-since, #waiting-cases .agent-since').forEach((td) => {
      td.textContent = td.dataset.seconds === '' ? '' : F.duration(Number(td.dataset.seconds) + gone);
    });
  }

  function render(board, at) {
    readAt = at;
    document.getElementById('floor-day').textContent = new Date(`${board.day}T12:00:00+05:30`).toLocaleDateString('en-IN',
      { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Asia/Kolkata' });
    document.getElementById('floor-at').textContent = new Date(board.at).toLocaleTimeString('en-IN', { timeZone: 'Asia/Kolkata' });
    F.fillQueues(root, board.queues);
    const fcr = board.first_contact_resolution;
    document.getElementById('fcr').textContent = fcr.percent === null ? '–' : `${fcr.percent.toFixed(1)}%`;
    document.getElementById('fcr-detail').textContent =
      `${fcr.resolved_first_time} of ${fcr.contacts}${fcr.final ? '' : ' · provisional until 7 days have passed'}`;
    document.getElementById('callbacks').textContent = board.callbacks_requested;
    document.getElementById('short-abandon').textContent = board.short_abandon_seconds;
    document.getElementById('abandon-target').textContent = board.abandon_target_percent;
    const doctors = board.doctors || {};
    for (const [key, id] of [['logged_in', 'doctors-logged-in'], ['on_duty', 'doctors-on-duty'], ['sound_on', 'doctors-sound-on'],
      ['on_call', 'doctors-on-call']]) document.getElementById(id).textContent = doctors[key] === undefined ? '–' : doctors[key];
    emergencyAlert(board.unaccepted_emergencies || [], board.emergency_threshold_seconds);
    agents = board.agents;
    waiting = board.waiting_cases || [];
    queueNames = board.queue_names || [];
    renderAgents();
    renderWaiting();
    renderLanguages(board.languages || []);
  }

  // Tier-1 calls by the caller's language: who waits for a speaker, and today's service level.
  function renderLanguages(rows) {
    const body = document.getElementById('languages');
    if (!body) return;
    body.replaceChildren(...rows.map((r) => {
      const tr = document.createElement('tr');
      cell(tr, r.name);
      cell(tr, r.waiting, 'num');
      cell(tr, r.longest_wait === null ? '–' : F.duration(r.longest_wait), 'num');
      cell(tr, r.offered, 'num');
      cell(tr, r.service_level === null ? '–' : `${r.service_level.toFixed(0)}%`, 'num');
      cell(tr, r.speakers_available, 'num');
      if (r.waiting && !r.speakers_available) tr.className = 'no-speaker';
      return tr;
    }));
  }

  async function send(method, url, payload) {  // the shared client; a refusal becomes an Error with its message
    const r = await window.Sampark.api(method, url, payload);
    if (!r.ok) throw new Error(r.data.message);
    return r.data;
  }

  async function monitor(caseId, mode, agent) {
    const status = document.getElementById('monitor-status');
    status.textContent = `Joining ${agent.case} (${mode})…`;
    try {
      monitoring = await send('POST', `/api/v1/supervisor/cases/${caseId}/monitor`, { mode });
      status.textContent = `${mode === 'listen' ? 'Listening to' : mode === 'whisper' ? 'Whispering to' : 'Barged into'} ` +
        `${agent.name} on ${agent.case}. Your phone rings.`;
    } catch (err) { status.textContent = err.message; }
    renderAgents();
  }

  async function setState(agent, state) {
    const status = document.getElementById('monitor-status');
    if (!state) return;
    const reason = await ask(`Why set ${agent.name} to ${STATE_NAMES[state]}? (kept in the audit log and shown to them)`,
      state === 'offline' ? 'End of shift' : '');
    if (document.activeElement) document.activeElement.blur();
    if (!reason) { renderAgents(); return; }
    try {
      await send('PUT', `/api/v1/supervisor/agents/${agent.id}/state`, { state, reason });
      status.textContent = `${agent.name} is now ${state === 'break' ? 'on a break' : STATE_NAMES[state].toLowerCase()}.`;
    } catch (err) { status.textContent = err.message; renderAgents(); }
  }

  async function stopMonitor(caseId) {
    const status = document.getElementById('monitor-status');
    try {
      await send('DELETE', `/api/v1/supervisor/cases/${caseId}/monitor`);
      status.textContent = 'Left the call.';
      monitoring = null;
    } catch (err) { status.textContent = err.message; }
    renderAgents();
  }

  // An emergency no doctor accepted within its threshold alerts the floor: a banner, the tab's title and (once
  // the supervisor switched sound on: browsers sound only after a click) a tone every two seconds.
  let audio = null, alerting = null, titleTimer = null;
  const soundButton = document.getElementById('floor-sound');
  soundButton.addEventListener('click', async () => {
    try { audio = audio || new (window.AudioContext || window.webkitAudioContext)(); await audio.resume(); } catch (e) { audio = null; }
    const on = !!audio && audio.state === 'running';
    soundButton.dataset.state = on ? 'on' : 'off';
    soundButton.textContent = on ? 'Alert sound on' : 'This browser will not play sound';
    tone();
  });
  function tone() {
    if (!audio || audio.state !== 'running') return;
    const osc = audio.createOscillator(); const gain = audio.createGain();
    osc.frequency.value = 880; gain.gain.value = 0.2; osc.connect(gain); gain.connect(audio.destination);
    osc.start(); osc.stop(audio.currentTime + 0.3);
  }
  function emergencyAlert(cases, threshold) {
    const box = document.getElementById('floor-alert');
    if (!cases.length) {
      box.hidden = true; clearInterval(alerting); alerting = null; clearInterval(titleTimer); titleTimer = null;
      document.title = 'Floor · Sampark';
      return;
    }
    box.hidden = false;
    const longest = Math.max(...cases.map((c) => c.waited || 0));
    document.getElementById('floor-alert-detail').textContent = `${cases.map((c) => c.reference).join(', ')} · ` +
      `longest ${F.duration(longest)} (threshold ${threshold} s) · no doctor has accepted`;
    const text = `🚨 ${cases.length} emergenc${cases.length === 1 ? 'y' : 'ies'} not accepted · Sampark`;
    if (!titleTimer) {
      let odd = false;
      titleTimer = setInterval(() => { odd = !odd; document.title = odd ? box.dataset.title : 'Floor · Sampark'; }, 1000);
    }
    box.dataset.title = text; document.title = text;
    if (!alerting) { tone(); alerting = setInterval(tone, 2000); }
  }

  window.sampark = F.live(root.dataset.boardUrl, render);  // for support staff in the console, and the browser tests
  setInterval(() => { F.tick(root, readAt); tickAgents(); }, 1000);
})();
