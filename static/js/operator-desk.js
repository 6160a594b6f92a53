// The operator desk. The database is the truth: a socket event only says "look again", and the
// page re-reads GET /api/v1/queues/tier1 through the shared live client (Sampark.live; also every 30 s as a
// safety net, every 10 s while not connected).
// Every action is an /api/v1 call. Citizen text is only ever set with textContent, never as HTML.
(function () {
  'use strict';
  const $ = (id) => document.getElementById(id);
  const config = JSON.parse($('ws-config').textContent);
  const state = {
    board: null, skew: 0, current: null, connection: null, selected: 0, cannedLang: 'hi', canned: [],
    assessed: '', seenInbound: {},
  };

  // ---- small helpers -------------------------------------------------------------------------
  // Shared: errors, expired sessions, network failures, and the count of answered writes that tells the live
  // board a read that left before a claim or an outcome was answered is stale (it would close the case just
  // answered and take the operator's focus with it).
  const api = window.Sampark.api;

  const el = window.Sampark.el;  // text children only, never HTML
  const toast = window.Sampark.toast;

  const now = () => Date.now() + state.skew;
  const ms = (iso) => (iso ? new Date(iso).getTime() : null);
  function clock(seconds) {
    const s = Math.max(0, Math.floor(seconds));
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = String(s % 60).padStart(2, '0');
    return h ? `${h}:${String(m).padStart(2, '0')}:${r}` : `${m}:${r}`;
  }
  const hhmm = (iso) => new Date(iso).toLocaleTimeString('en-IN', { hour: '2-digit', minute: '2-digit', hour12: false, timeZone: 'Asia/Kolkata' });
  const CHANNEL_TEXT = { voice: 'Call', sms: 'SMS', whatsapp: 'WhatsApp' };
  const channelText = (c) => CHANNEL_TEXT[c.channel] || c.channel;
  const langText = (c) => Sampark.languageCode(c.language);
  const OUTCOME_TEXT = { resolved: 'Resolved', informed: 'Facility informed', escalated: 'Escalated to a doctor',
    callback: 'Call-back scheduled' };
  const CONNECTION_TEXT = { connecting: 'Connecting the caller…', calling_back: 'Calling the citizen back…',
    sms: 'SMS conversation', whatsapp: 'WhatsApp conversation', failed: 'Could not connect the call', gone: 'The caller hung up',
    talking: 'On the call', ended: 'The call has ended' };

  // ---- the board -----------------------------------------------------------------------------
  // Read through the shared live client (Sampark.live, wired at the end): events coalesce into one read,
  // the newest read wins, and a (re)connect reads again.
  let board = null;
  const refresh = () => board.refresh();
  const scheduleRefresh = (delay) => board.soon(delay);

  function showBoard(data) {
    // Follow the server's clock, but ignore the few ms of request latency each read adds: a timer that
    // wobbles by a second between reads looks broken to the person watching it.
    const skew = ms(data.server_time) - Date.now();
    if (state.skewSet === undefined || Math.abs(skew - state.skew) > 1000) { state.skew = skew; state.skewSet = true; }
    state.board = data;
    renderBoard();
  }

  function renderBoard() {
    const board = state.board;
    renderPresence(board.me, board.operators);
    renderQueue(board.waiting);
    renderMine(board.mine);
    renderScheduled(board.scheduled);
    const banner = $('emergency-banner');
    banner.hidden = !board.emergencies_waiting;
    banner.textContent = `${board.emergencies_waiting} emergenc${board.emergencies_waiting === 1 ? 'y' : 'ies'} waiting`;
    banner.title = 'Emergencies in the doctors\' queue that no doctor has accepted yet: click to see them';
    const list = $('emergency-list');
    list.replaceChildren(...(board.emergencies || []).map((c) => el('li', {},
      el('b', {}, c.reference), ` · ${c.channel} · caller ${c.caller || 'unknown'} · waiting ${c.queued_at ? clock((now() - ms(c.queued_at)) / 1000) : "–"}`,
      c.alarm_level >= 2 ? el('span', { class: 'late' }, ' · not answered in time') : '')));
    if (!board.emergencies_waiting) { list.hidden = true; banner.setAttribute('aria-expanded', 'false'); }
    followCurrent(board.mine);
    phoneSide.show(board, state.current);
    tick();
  }

  function renderPresence(me, counts) {
    document.querySelectorAll('[data-presence]').forEach((button) => {
      button.setAttribute('aria-checked', String(button.dataset.presence === me.presence));
    });
    $('stat-available').textContent = counts.available;
    $('stat-on-call').textContent = counts.on_call;
    $('stat-wrap-up').textContent = counts.wrap_up;
    $('stat-break').textContent = counts.break;
    $('wrapup-clock').hidden = !me.wrap_up_ends;
    // A supervisor set this state: say who and why (until the operator changes it themselves).
    const setBy = $('set-by');
    setBy.hidden = !me.set_by;
    setBy.textContent = me.set_by ? `Set to ${me.set_by.state.replace('_', ' ')} by ${me.set_by.name}: ${me.set_by.reason || 'no reason given'}` : '';
  }

  function renderQueue(waiting) {
    const list = $('queue-list');
    const focusedId = document.activeElement && document.activeElement.closest('.q-row')
      ? document.activeElement.closest('.q-row').dataset.caseId : null;
    list.replaceChildren(...waiting.map((c, i) => queueRow(c, i)));
    $('queue-empty').hidden = waiting.length > 0;
    $('waiting-count').textContent = waiting.length ? `(${waiting.length})` : '';
    $('stat-waiting').textContent = waiting.length;
    $('answer-next').disabled = waiting.length === 0;
    state.selected = Math.min(state.selected, Math.max(waiting.length - 1, 0));
    markSelected(false);
    if (focusedId) {
      const again = list.querySelector(`[data-case-id="${CSS.escape(focusedId)}"] .q-answer`);
      if (again) again.focus();
    }
  }

  function queueRow(c, index) {
    const callback = c.status === 'callback' || c.callback_requested_at;
    const row = el('li', { class: `q-row p-${c.priority}`, dataset: { caseId: c.id, index }, 'aria-selected': 'false' },
      el('span', { class: 'q-wait mono', dataset: { since: c.queued_at || c.created_at }, title: 'Waiting' }, '0:00'),
      el('div', { class: 'q-main' },
        el('div', { class: 'q-line' },
          el('span', { class: `prio-chip prio-${c.priority}` }, c.priority),
          el('span', { class: 'q-ref' }, c.reference),
          el('span', { class: 'pill' }, channelText(c)),
          el('span', { class: 'pill' }, langText(c)),
          callback ? el('span', { class: 'pill cb' }, 'Call back') : null),
        el('div', { class: 'q-line sub', title: `${c.caller || 'number withheld'} · ${c.patient || 'not identified'}` },
          el('span', { class: 'mono' }, c.caller || 'number withheld'), '·',
          el('span', {}, c.patient || 'not identified'))),
      el('button', { type: 'button', class: 'q-answer', 'aria-label': `Answer ${c.reference}`,
        onclick: () => answer(c.id) }, 'Answer'));
    if (c.flags && c.flags.length) {
      row.append(el('div', { class: 'q-flags' }, c.flags.map((f) => el('span', { class: `chip ${f.priority}` }, f.label))));
    }
    row.addEventListener('click', (event) => { if (!event.target.closest('button')) { state.selected = index; markSelected(true); } });
    return row;
  }

  function markSelected(focus) {
    const rows = $('queue-list').children;
    Array.from(rows).forEach((row, i) => row.setAttribute('aria-selected', String(i === state.selected)));
    if (focus && rows[state.selected]) rows[state.selected].querySelector('.q-answer').focus();
  }

  function renderMine(mine) {
    $('mine-list').replaceChildren(...mine.map((c) => {
      const unread = c.last_inbound_at && (!state.current || state.current.id !== c.id)
        && c.last_inbound_at !== state.seenInbound[c.id];
      return el('li', { class: 'mini' + (state.current && state.current.id === c.id ? ' current' : '') },
        el('span', { class: `prio-chip small prio-${c.priority}` }, c.priority),
        el('b', {}, c.reference), el('span', { class: 'pill' }, channelText(c)),
        el('span', { class: 'pill status' }, c.status === 'in_progress' ? 'working' : (OUTCOME_TEXT[c.outcome] || c.status)),
        unread ? el('span', { class: 'unread' }, 'new SMS') : null,
        el('button', { type: 'button', onclick: () => openCase(c.id, null) }, 'Open'));
    }));
    $('mine-empty').hidden = mine.length > 0;
  }

  function renderScheduled(scheduled) {
    $('scheduled-list').replaceChildren(...scheduled.map((c) => el('li', { class: 'mini' },
      el('span', { class: `prio-chip small prio-${c.priority}` }, c.priority), el('b', {}, c.reference),
      el('span', { class: 'mono' }, hhmm(c.callback_due_at)),
      el('span', { class: 'due', dataset: { due: c.callback_due_at } }, ''),
      el('span', { class: 'muted' }, c.patient || c.caller || ''))));
    $('scheduled-empty').hidden = scheduled.length > 0;
  }

  // Ticking timers: computed from server times corrected for this PC's clock.
  function tick() {
    const t = now();
    let longest = 0;
    document.querySelectorAll('.q-wait[data-since]').forEach((node) => {
      const seconds = (t - ms(node.dataset.since)) / 1000;
      longest = Math.max(longest, seconds);
      node.textContent = clock(seconds);
      node.dataset.over = String(seconds > config.sla_seconds);
    });
    $('stat-longest').textContent = state.board && state.board.waiting.length ? clock(longest) : '–';
    $('stat-longest').dataset.over = String(longest > config.sla_seconds);
    document.querySelectorAll('[data-due]').forEach((node) => {
      const minutes = Math.round((ms(node.dataset.due) - t) / 60000);
      node.textContent = minutes >= 0 ? `in ${minutes} min` : `overdue ${-minutes} min`;
      node.className = minutes >= 0 ? 'due muted' : 'due due-over';
    });
    const me = state.board && state.board.me;
    if (me && me.wrap_up_ends) {
      const left = (ms(me.wrap_up_ends) - t) / 1000;
      $('wrapup-clock').textContent = `Wrap-up ${clock(left)}`;
      $('wrapup-outcome-clock') && ($('wrapup-outcome-clock').textContent = clock(left));
      if (left <= 0 && !state.wrapExpired) { state.wrapExpired = true; scheduleRefresh(300); }
    } else { state.wrapExpired = false; }
    if (state.current && state.current.claimed_at && state.current.status === 'in_progress') {
      $('case-timer').textContent = clock((t - ms(state.current.claimed_at)) / 1000);
    }
  }

  // ---- answering -----------------------------------------------------------------------------
  // Answering is a deliberate act: it ends a wrap-up, a break or being offline.
  async function readyToAnswer() {
    const presence = state.board ? state.board.me.presence : 'available';
    if (presence === 'available' || presence === 'on_call') return true;
    return setPresence('available');
  }

  async function answerNext() {
    if (!(await readyToAnswer())) return;
    $('answer-next').disabled = true;
    const { ok, data } = await api('POST', '/api/v1/queues/tier1/next');
    $('answer-next').disabled = false;
    if (!ok) { toast(data.message || 'Could not answer.', true); scheduleRefresh(0); return; }
    await claimed(data);
  }

  async function answer(caseId) {
    if (!(await readyToAnswer())) return;
    const row = $('queue-list').querySelector(`[data-case-id="${caseId}"]`);
    const button = row && row.querySelector('.q-answer');
    if (button) button.disabled = true;
    const { ok, data } = await api('POST', `/api/v1/cases/${caseId}/claim`);
    if (!ok) {
      if (row) row.classList.add('lost');
      toast(data.error === 'claimed_by_other' ? 'Someone else answered this case.' : (data.message || 'Could not answer.'), true);
      scheduleRefresh(0);
      return;
    }
    await claimed(data);
  }

  async function claimed(item) {
    if (item.connection === 'gone') { toast(`${item.reference}: the caller hung up before you answered.`, true); scheduleRefresh(0); return; }
    toast(`${item.reference} is yours.`);
    await openCase(item.id, item.connection, item);
    $('reason').focus();  // say hello, then type why they called
    await refresh();
  }

  // ---- the current case ----------------------------------------------------------------------
  async function openCase(caseId, connection, seed) {
    const fresh = !state.current || state.current.id !== caseId;
    // The claim's answer is enough to open the case at once; the board read that follows fills in the rest.
    state.current = Object.assign({ id: caseId }, fresh ? seed || {} : state.current, findMine(caseId) || {});
    if (connection) state.connection = connection;
    else if (fresh) state.connection = null;
    $('case-empty').hidden = true; $('case').hidden = false;
    $('assess-empty').hidden = true;
    if (fresh) {
      $('scan-error').textContent = ''; $('scan-input').value = ''; $('reply-body').value = '';
      $('reply-body').dataset.draft = `case-${caseId}.reply`;  // an unsent reply is kept per case, also across a reload
      window.Sampark.drafts.restore($('reply-body').parentElement); updateCount();
      $('notes').value = ''; $('outcome-error').textContent = ''; $('report-sms-preview').textContent = '';
      for (const form of document.querySelectorAll('.outcome form')) form.reset();
      fillAssessment(state.current);
      selectTab('resolve', false);
      loadScreenPop();
      loadCanned();
    }
    renderCurrent();
    loadThread();
    loadTimeline();
    if (state.board) renderMine(state.board.mine);
  }

  function findMine(caseId) {
    return state.board ? state.board.mine.find((c) => c.id === caseId) : null;
  }

  function followCurrent(mine) {
    if (state.current) {
      const item = findMine(state.current.id);
      if (!item) { closeCase(); return; }
      const changed = item.status !== state.current.status || item.last_inbound_at !== state.current.last_inbound_at;
      state.current = Object.assign(state.current, item);
      renderCurrent();
      if (changed) { loadThread(); loadTimeline(); }
    } else {
      const working = mine.find((c) => c.status === 'in_progress');
      if (working) openCase(working.id, null);  // after a reload or a claim made in another tab
    }
  }

  function closeCase() {
    state.current = null; state.connection = null;
    $('case').hidden = true; $('case-empty').hidden = false;
    $('assess-form').hidden = true; $('outcome').hidden = true; $('wrapup').hidden = true;
    $('assess-empty').hidden = false;
    $('screen-pop').replaceChildren();
    document.dispatchEvent(new CustomEvent('sampark:thread', { detail: null }));
  }

  function renderCurrent() {
    const c = state.current;
    if (!c || !c.reference) return;
    $('case-ref').textContent = c.reference;
    $('complaint-link').href = `/grievances/new?case_id=${encodeURIComponent(c.id)}`;
    $('case-priority').textContent = c.priority;
    $('case-priority').className = `prio-chip prio-${c.priority}`;
    document.querySelector('.case-head').className = `case-head p-${c.priority}`;
    $('case-channel').textContent = channelText(c);
    $('case-language').textContent = Sampark.languageName(c.language);
    $('case-status').textContent = c.status === 'in_progress' ? 'working' : (OUTCOME_TEXT[c.outcome] || c.status.replace('_', ' '));
    $('case-caller').textContent = c.caller || 'withheld';
    const watching = c.monitored_by || [];  // a supervisor on this call: the operator is told, never surprised
    $('case-monitored').hidden = !watching.length;
    $('case-monitored').textContent = watching.map((m) => `${m.name} is ${{ listen: 'listening', whisper: 'coaching you', barge: 'in the conversation' }[m.mode] || 'on the call'}`).join(' · ');
    const how = state.connection || (['sms', 'whatsapp'].includes(c.channel) ? c.channel : null);
    $('case-connection').textContent = how ? CONNECTION_TEXT[how] || how : '';
    $('case-connection').className = 'connection' + (['failed', 'gone', 'ended'].includes(how) ? ' bad' : '');
    // Call controls while a leg of this operator's on this case is up (the phone is the truth, whatever the case's
    // state: resolved with the call kept, escalated and waiting for the doctor), or while talking on a live case.
    $('call-controls').hidden = !(c.channel === 'voice' && (phoneSide.onLeg(state.board, c.id)
      || (how === 'talking' && c.status === 'in_progress')));
    $('case-flags').replaceChildren(...(c.flags || []).map((f) => el('span', { class: `chip ${f.priority}` }, `${c.channel === 'whatsapp' ? 'WhatsApp' : 'SMS'}: ${f.label}`)));
    if (c.last_inbound_at) state.seenInbound[c.id] = c.last_inbound_at;
    const working = c.status === 'in_progress';
    $('assess-form').hidden = false;
    // The assessment is decided with the outcome; after it only notes may be added.
    $('reason').disabled = !working;
    flagBoxes().forEach((box) => { box.disabled = !working; });
    $('outcome').hidden = !working;
    $('wrapup').hidden = working;
    if (!working) renderWrapup(c);
  }

  function renderWrapup(c) {
    const ends = state.board && state.board.me.wrap_up_ends;
    $('wrapup-outcome').replaceChildren(`${OUTCOME_TEXT[c.outcome] || c.status} · ${c.reference}`,
      ends ? el('span', { class: 'muted' }, ' · wrap-up ', el('span', { id: 'wrapup-outcome-clock', class: 'mono' }, '')) : '');
    $('report-link').href = `/workspace/cases/${c.id}/report`;
    $('report-pdf').href = `/api/v1/cases/${c.id}/report.pdf`;
    $('leave-call').hidden = !(c.channel === 'voice' && c.outcome === 'escalated');
    tick();
  }

  async function loadScreenPop() {
    const c = state.current;
    const response = await window.Sampark.html(`/workspace/cases/${c.id}/patient`);
    if (!state.current || state.current.id !== c.id || response.status === 401) return;
    // Rendered and escaped by the server (Jinja autoescape); no citizen-typed text is in it.
    $('screen-pop').innerHTML = response.text;
  }

  async function loadThread() {
    const c = state.current;
    if (!c) return;
    const { ok, data } = await api('GET', `/api/v1/cases/${c.id}/messages`);
    if (!ok || !state.current || state.current.id !== c.id) return;
    const thread = $('thread');
    thread.replaceChildren(...data.messages.map((m) => el('li', {
      class: `msg msg-${m.direction} msg-${m.status}${m.to_facility ? ' msg-facility' : ''}${m.case_id !== c.id ? ' msg-other-case' : ''}`,
    },
    el('span', { class: 'msg-meta' }, `${hhmm(m.created_at)} · `,
      m.channel === 'whatsapp' ? el('span', { class: 'msg-channel' }, m.template ? 'WhatsApp template' : 'WhatsApp') : null,
      m.channel === 'whatsapp' ? ' · ' : '',
      m.direction === 'inbound' ? 'citizen' : (m.to_facility ? 'to facility' : `sent · ${m.status}`),
      m.case_id !== c.id ? ' · earlier case' : ''),
    el('span', { class: 'msg-body' }, m.body),  // the citizen's words: text only
    ['failed', 'undelivered'].includes(m.status) && m.error ? el('span', { class: 'msg-error' }, m.error) : null,
    // A text that failed (lost with a worker, refused by a carrier): one press (or D) sends the same message again.
    ['failed', 'undelivered'].includes(m.status) && m.direction === 'outbound' && m.case_id === c.id
      ? el('button', { type: 'button', class: 'msg-retry', 'data-message': m.id, onclick: () => sendAgain(m.id) },
        'Send again ', el('kbd', {}, 'D')) : null)));
    $('thread-note').textContent = data.messages.length ? '' : 'No messages yet: you can text the caller.';
    thread.scrollTop = thread.scrollHeight;
    // The WhatsApp window and templates (operator-desk-messaging.js) follow the thread.
    document.dispatchEvent(new CustomEvent('sampark:thread', { detail: { id: c.id, channel: c.channel, status: c.status } }));
  }

  async function loadTimeline() {
    const c = state.current;
    if (!c) return;
    const { ok, data } = await api('GET', `/api/v1/cases/${c.id}`);
    if (!ok || !state.current || state.current.id !== c.id) return;
    const citizen = data.calls.filter((call) => call.purpose !== 'staff');
    const staffLegs = data.calls.filter((call) => call.purpose === 'staff');
    if (c.channel === 'voice' && citizen.length && citizen.every((call) => ['completed', 'busy', 'failed', 'no-answer', 'canceled'].includes(call.status))) {
      state.connection = 'ended';
    } else if (staffLegs.some((call) => call.status === 'in-progress')) {
      state.connection = 'talking';
    }
    renderCurrent();
    $('timeline').replaceChildren(...data.timeline.map((e) => el('li', {},
      el('time', { class: 'mono', datetime: e.at }, hhmm(e.at)), e.kind.replace(/_/g, ' '),
      e.staff ? el('span', { class: 'muted' }, ` · ${e.staff}`) : null)));
  }

  async function loadCanned() {
    const c = state.current;
    const { ok, data } = await api('GET', `/api/v1/canned-replies?case_id=${c.id}`);
    if (!ok) return;
    state.canned = data.replies;
    setCannedLang(['hi', 'en', 'pa', 'ur'].includes(c.language) ? c.language : 'hi');  // the caller's language
  }

  function setCannedLang(lang) {
    state.cannedLang = lang;
    document.querySelectorAll('.lang-switch button').forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.lang === lang)));
    $('canned').replaceChildren(el('option', { value: '' }, 'Choose…'),
      ...state.canned.map((r) => el('option', { value: r.id, class: lang === 'hi' ? 'hi' : '' }, lang === 'hi' ? r.title_hi : r.title_en)));
  }

  // ---- assessment and outcome (operator-desk-outcome.js) ----------------------------------------------
  const { flagBoxes, fillAssessment, prepareEscalation, raiseEmergency, selectTab } = window.SamparkOutcome({
    state, config, api, toast, el, now, OUTCOME_TEXT, loadTimeline, refresh: () => refresh() });
  const phoneSide = window.SamparkPhone({ api, toast, el, now, ms, clock, refresh: () => refresh(), claimed });

  // ---- presence, wrap-up, report -------------------------------------------------------------
  async function setPresence(presence) {
    let { ok, data } = await api('PUT', '/api/v1/me/presence', { presence });
    // Still connected after wrap-up: ready means the call ends (a handed-over case is only left), said first.
    if (!ok && data.error === 'still_on_call' && presence === 'available'
        && window.confirm(`${data.message}\n\nEnd the call (leave it, if a doctor has it) and get ready?`)) {
      ({ ok, data } = await api('PUT', '/api/v1/me/presence', { presence, call: 'end' }));
    }
    if (!ok) { toast(data.message, true); return false; }
    await refresh();
    return true;
  }

  async function sendReport() {
    const c = state.current;
    if (!c || !c.outcome) { toast('Give the case an outcome first.', true); return; }
    const { ok, data } = await api('POST', `/api/v1/cases/${c.id}/report/sms`);
    if (!ok) { toast(data.message, true); return; }
    $('report-sms-preview').textContent = data.body;
    toast('Report SMS queued for the citizen.');
    loadThread();
  }

  async function leaveCall() {
    const c = state.current;
    const { ok, data } = await api('POST', `/api/v1/cases/${c.id}/leave`);
    toast(ok ? 'You left the call; the doctor stays with the caller.' : data.message, !ok);
  }

  // ---- identifying the caller ----------------------------------------------------------------
  const scanQuery = window.Sampark.scanQuery;

  async function attach(query) {
    const c = state.current;
    $('scan-error').textContent = '';
    const { ok, data } = await api('POST', `/api/v1/cases/${c.id}/patient`, query);
    if (!ok) { $('scan-error').textContent = data.message; return; }
    toast(`Caller identified: ${data.patient.patient.name}.`);
    $('scan-input').value = '';
    loadScreenPop();
    loadTimeline();
  }

  // ---- SMS replies ---------------------------------------------------------------------------
  const GSM = new Set('@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà^{}\\[~]|€');
  function smsParts(text) {
    if (!text) return 0;
    if (Array.from(text).every((ch) => GSM.has(ch))) return text.length <= 160 ? 1 : Math.ceil(text.length / 153);
    return text.length <= 70 ? 1 : Math.ceil(text.length / 67);  // UCS-2: one Devanagari letter is one unit
  }
  function updateCount() {
    const text = $('reply-body').value;
    const whatsapp = state.current && state.current.channel === 'whatsapp';  // WhatsApp has no SMS parts
    $('reply-count').textContent = whatsapp ? `${text.length} characters` : `${text.length} characters · ${smsParts(text)} SMS`;
  }

  // `via` 'whatsapp' sends an SMS case's reply on WhatsApp (its 24-hour window open): free text an Indian SMS
  // gateway would refuse (DLT allows only the registered texts). A refusal is said beside the box, not only toasted.
  async function sendReply(via) {
    const c = state.current;
    const text = $('reply-body').value.trim();
    if (!c || !text) return;
    const { ok, data } = await api('POST', `/api/v1/cases/${c.id}/messages`, via ? { body: text, via } : { body: text });
    $('reply-error').textContent = ok ? '' : data.message;
    if (!ok) { toast(data.message, true); return; }
    window.Sampark.drafts.forget($('reply-body').parentElement);
    $('reply-body').value = ''; updateCount();
    toast(c.channel === 'whatsapp' || via === 'whatsapp' ? 'WhatsApp message queued.' : 'SMS queued.');
    loadThread();
  }

  function sendLastFailedAgain() {
    const failed = [...document.querySelectorAll('#thread .msg-retry')].pop();
    if (failed) sendAgain(Number(failed.dataset.message));
    else toast('No failed text on this case.', true);
  }

  async function sendAgain(messageId) {
    const c = state.current;
    if (!c) return;
    const { ok, data } = await api('POST', `/api/v1/cases/${c.id}/messages/${messageId}/send-again`);
    toast(ok ? 'Sending the text again.' : data.message, !ok);
    loadThread();
  }

  // ---- keyboard ------------------------------------------------------------------------------
  function editable(node) {
    return node && (node.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(node.tagName));
  }
  function needCase() { if (!state.current) { toast('No case open: press N to answer one.', true); return false; } return true; }
  function working() { return needCase() && (state.current.status === 'in_progress' || (toast('This case already has an outcome.', true), false)); }

  const KEYS = {
    n: () => answerNext(),
    f: () => needCase() && $('scan-input').focus(),
    g: () => needCase() && $('reason').focus(),
    t: () => needCase() && $('reply-body').focus(),
    r: () => working() && selectTab('resolve', true),
    i: () => working() && selectTab('inform', true),
    e: () => working() && prepareEscalation(true),
    9: () => working() && raiseEmergency(),
    c: () => working() && selectTab('callback', true),
    p: () => needCase() && state.current.outcome && window.open(`/workspace/cases/${state.current.id}/report`, '_blank'),
    s: () => needCase() && sendReport(),
    d: () => needCase() && sendLastFailedAgain(),
    l: () => needCase() && !$('leave-call').hidden && leaveCall(),
    a: () => setPresence('available'),
    b: () => setPresence('break'),
    o: () => setPresence('offline'),
    '?': () => toggleHelp(true),
    arrowdown: () => { state.selected += 1; clampSelected(); },
    j: () => { state.selected += 1; clampSelected(); },
    arrowup: () => { state.selected -= 1; clampSelected(); },
    k: () => { state.selected -= 1; clampSelected(); },
  };
  function clampSelected() {
    const n = $('queue-list').children.length;
    state.selected = Math.max(0, Math.min(state.selected, n - 1));
    markSelected(true);
  }
  function toggleHelp(show) { $('help').hidden = !show; if (show) $('help').focus(); }

  document.addEventListener('keydown', (event) => {
    if (!$('help').hidden) { if (event.key === 'Escape' || event.key === '?') { event.preventDefault(); toggleHelp(false); } return; }
    if (editable(event.target)) {
      if (event.key === 'Escape') { event.target.blur(); event.preventDefault(); }
      else if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
        const form = event.target.closest('form');
        if (form) { event.preventDefault(); form.requestSubmit(); }
      }
      return;
    }
    if (event.ctrlKey || event.altKey || event.metaKey) return;
    const action = KEYS[event.key.toLowerCase()];
    if (action) { event.preventDefault(); action(); }
  });

  // ---- wiring --------------------------------------------------------------------------------
  $('answer-next').addEventListener('click', answerNext);
  $('help-button').addEventListener('click', () => toggleHelp(true));
  $('help').addEventListener('click', (event) => { if (event.target === $('help')) toggleHelp(false); });
  document.querySelectorAll('[data-presence]').forEach((b) => b.addEventListener('click', () => {
    if (b.dataset.presence !== 'on_call') setPresence(b.dataset.presence);  // on call comes from answering
  }));
  $('ready').addEventListener('click', () => setPresence('available'));
  $('report-sms').addEventListener('click', sendReport);
  $('leave-call').addEventListener('click', leaveCall);
  $('scan-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const text = $('scan-input').value.trim();
    if (text && state.current) attach(scanQuery(text));
  });
  $('screen-pop').addEventListener('click', (event) => {
    const pick = event.target.closest('.pick-member');
    if (pick) attach({ patient_id: Number(pick.dataset.patientId) });
  });
  $('reply-form').addEventListener('submit', (event) => { event.preventDefault(); sendReply(); });
  $('reply-whatsapp').addEventListener('click', () => sendReply('whatsapp'));
  $('reply-body').addEventListener('input', updateCount);
  $('canned').addEventListener('change', () => {
    const reply = state.canned.find((r) => r.id === $('canned').value);
    if (reply) { $('reply-body').value = reply[state.cannedLang]; updateCount(); $('reply-body').focus(); }
  });
  document.querySelectorAll('.lang-switch button').forEach((b) => b.addEventListener('click', () => setCannedLang(b.dataset.lang)));

  // ---- live events ---------------------------------------------------------------------------
  board = window.Sampark.live({
    rooms: ['tier1', 'emergency'],
    read: async () => { const { ok, data } = await api('GET', '/api/v1/queues/tier1'); return ok ? data : null; },
    show: showBoard,
    hears: (name) => name.startsWith('case.') || name.startsWith('presence.'),
    heard: (name, payload) => {
      if (state.current && payload && payload.id === state.current.id) {
        if (name === 'case.message') loadThread();
        loadTimeline();  // call legs joining and leaving, notes, escalation: all on the timeline
      }
    },
    status: { element: $('conn'), live: 'Live', down: 'Reconnecting… queue refreshes every 10 s',
      failed: 'Not connected: retrying… queue refreshes every 10 s' },
    every: { live: 30000, down: 10000 },
  });
  // Hold (with music) and mute go to the case's conference through the server's twilio Client; the
  // button says what a click will do next. Consult: hold the caller, escalate, resume when the doctor is on.
  $('call-controls').addEventListener('click', async (e) => {
    const button = e.target.closest('button[data-call]');
    const c = state.current;
    if (!button || !c) return;
    const act = button.dataset.call;
    if (act === 'end-call' && !window.confirm('End the call for the caller and everyone on it?')) return;
    const on = button.dataset.on === 'true';
    const { ok, data } = await api('POST', `/api/v1/cases/${c.id}/${act}`, ['end-call', 'leave'].includes(act) ? undefined : { on });
    if (!ok) { toast(data.message, true); return; }
    if (act === 'hold') { button.dataset.on = String(!on); button.textContent = on ? 'Resume caller' : 'Hold caller (music)'; }
    if (act === 'mute') { button.dataset.on = String(!on); button.textContent = on ? 'Unmute me' : 'Mute me'; }
    toast({ hold: on ? 'The caller is on hold (music).' : 'The caller is back.', mute: on ? 'You are muted.' : 'You are unmuted.',
      'end-call': 'The call has ended.', leave: 'You left the call.' }[act]);
    refresh();
  });
  $('emergency-banner').addEventListener('click', () => {
    const list = $('emergency-list');
    list.hidden = !list.hidden;
    $('emergency-banner').setAttribute('aria-expanded', String(!list.hidden));
  });
  window.sampark = board;  // for support staff in the browser console, and the browser tests
  setInterval(tick, 1000);
})();
