/* The supervisor's floor: queue tiles against targets, every operator and doctor, listen / whisper / barge. */
(function () {
  'use strict';
  const F = window.SamparkFloor;
  const root = document.getElementById('floor');
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const STATE_NAMES = { available: 'Available', on_call: 'On call', wrap_up: 'Wrap-up', break: 'Break', offline: 'Offline' };
  const MODES = [['listen', 'Listen'], ['whisper', 'Whisper'], ['barge', 'Barge']];
  let readAt = Date.now(), agents = [], monitoring = null, pendingRender = false;

  function cell(row, text, className) {
    const td = document.createElement('td');
    td.textContent = text;
    if (className) td.className = className;
    row.append(td);
    return td;
  }

  function renderAgents() {
    const body = document.getElementById('agents');
    if (body.contains(document.activeElement) && document.activeElement.tagName === 'SELECT') {
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
        choose.addEventListener('blur', () => { if (pendingRender) renderAgents(); });
        actions.append(choose);
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
    document.querySelectorAll('#agents .agent-since').forEach((td) => {
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
    agents = board.agents;
    renderAgents();
  }

  async function send(method, url, payload) {
    const response = await fetch(url, { method, credentials: 'same-origin', headers: {
      'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRFToken': csrf },
      body: payload ? JSON.stringify(payload) : undefined });
    const data = response.status === 204 ? {} : await response.json();
    if (!response.ok) throw new Error(data.message || response.statusText);
    return data;
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
    const reason = window.prompt(`Why set ${agent.name} to ${STATE_NAMES[state]}? (kept in the audit log)`,
      state === 'offline' ? 'End of shift' : '');
    document.activeElement.blur();
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

  F.live(root.dataset.boardUrl, render);
  setInterval(() => { F.tick(root, readAt); tickAgents(); }, 1000);
})();
