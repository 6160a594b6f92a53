// The operator's assessment and outcome of the case open on the operator desk: red flags (ticked, or suggested by
// triage as the reason is typed), the escalation offer they make, and the four outcomes (resolve, inform a
// facility, escalate, call back). operator-desk.js builds it with what it shares: window.SamparkOutcome(desk).
(function () {
  'use strict';
  window.SamparkOutcome = function (desk) {
    const { state, config, api, toast, el, now, OUTCOME_TEXT, loadTimeline, refresh } = desk;
    const $ = (id) => document.getElementById(id);

    function flagBoxes() { return Array.from(document.querySelectorAll('input[name="red_flags"]')); }
    function ticked() { return flagBoxes().filter((b) => b.checked); }
    function assessmentKey() { return JSON.stringify([$('reason').value.trim(), ticked().map((b) => b.value), $('notes').value.trim()]); }

    function fillAssessment(c) {
      $('reason').value = c.reason || '';
      const flags = new Set(c.red_flags || []);
      flagBoxes().forEach((b) => { b.checked = flags.has(b.value); });
      state.assessed = assessmentKey();
      updateOffer();
      hints.clear();
      if ($('reason').value.trim()) hints.refresh();
    }

    // Red flags triage reads in the reason as it is typed; "Tick" ticks the box and puts it on the timeline.
    const hints = window.FlagHints.attach({
      input: $('reason'),
      panel: $('flag-hints'),
      tickable: (id) => (state.current && !$('reason').disabled
        ? flagBoxes().find((b) => b.value === id) || null : null),
      onAccept: async (ids, text) => {
        const c = state.current;
        if (!c) return false;
        const { ok, data } = await api('POST', `/api/v1/cases/${c.id}/assessment/suggested-flags`, { text, red_flags: ids });
        if (!ok) { toast(data.message || 'Could not record the suggestion.', true); return false; }
        flagBoxes().forEach((b) => { if (ids.includes(b.value)) b.checked = true; });
        if (ids.some((id) => flagBoxes().find((b) => b.value === id && b.dataset.priority === 'P2'))) {
          $('assess-form').querySelector('details.urgent-flags').open = true;  // show what was ticked
        }
        updateOffer();
        loadTimeline();
        return true;
      },
    });

    function updateOffer() {
      const flags = ticked();
      const p1 = flags.filter((b) => b.dataset.priority === 'P1');
      const box = $('flag-offer');  // beside the red flags (#offer is the contact rung to the operator)
      // The offer is to escalate: once the case has an outcome (escalated, resolved...) there is nothing to offer.
      const c = state.current;
      if (!flags.length || !c || c.outcome || c.status !== 'in_progress') { box.hidden = true; return; }
      const urgent = p1.length === 0;
      const names = (urgent ? flags : p1).map((b) => b.dataset.label).join(', ');
      box.className = 'offer' + (urgent ? ' urgent' : '');
      box.replaceChildren(
        el('p', {}, el('b', {}, urgent ? 'Urgent sign: ' : 'Red flag: '), names,
          urgent ? ' — a doctor should see this today.' : ' — escalate as an EMERGENCY now; tell the caller to call 108 if they can.'),
        el('button', { type: 'button', onclick: () => prepareEscalation(true) },
          urgent ? 'Escalate as urgent ' : 'Escalate as emergency ', el('kbd', {}, 'E')));
      box.hidden = false;
    }

    function prepareEscalation(focus) {
      const flags = ticked();
      const p1 = flags.filter((b) => b.dataset.priority === 'P1');
      const top = p1[0] || flags[0];
      if (top) {
        $('urgency').value = p1.length ? 'emergency' : 'urgent';
        $('specialty').value = top.dataset.specialty === 'general_medicine' ? '' : top.dataset.specialty;
      }
      if (!$('summary').value.trim()) {
        const parts = [];
        if (flags.length) parts.push(`Red flags: ${flags.map((b) => b.dataset.label).join(', ')}.`);
        if ($('reason').value.trim()) parts.push(`Reason: ${$('reason').value.trim()}.`);
        if ($('notes').value.trim()) parts.push($('notes').value.trim());
        $('summary').value = parts.join(' ');
      }
      selectTab('escalate', focus);
      if (focus) { const s = $('summary'); s.focus(); s.setSelectionRange(s.value.length, s.value.length); }
    }

    async function saveAssessment(quiet) {
      const c = state.current;
      if (!c) return true;
      const key = assessmentKey();
      if (key === state.assessed) return true;
      const { ok, data } = await api('POST', `/api/v1/cases/${c.id}/assessment`, {
        reason: $('reason').value, red_flags: ticked().map((b) => b.value), notes: $('notes').value });
      if (!ok) { toast(data.message || 'Could not save the assessment.', true); return false; }
      $('notes').value = '';
      state.assessed = assessmentKey();
      if (!quiet) toast('Assessment saved.');
      loadTimeline();
      return true;
    }

    function selectTab(name, focus) {
      for (const tab of ['resolve', 'inform', 'escalate', 'callback']) {
        $(`tab-${tab}`).setAttribute('aria-selected', String(tab === name));
        $(`form-${tab}`).hidden = tab !== name;
      }
      if (name === 'inform' && !$('inform-message').value && $('reason').value) $('inform-message').value = $('reason').value;
      if (focus) {
        const first = $(`form-${name}`).querySelector('select, textarea, input');
        if (first) first.focus();
      }
    }

    function outcomeBody(form) {
      const data = {};
      for (const field of form.elements) {
        if (field.name && (field.type !== 'checkbox' || field.checked)) data[field.name] = field.value;
      }
      if (form.dataset.action === 'schedule-callback') {
        if (!data.due_at) return null;
        data.due_at = new Date(`${data.due_at}:00+05:30`).toISOString();  // typed in Delhi time, whatever the PC's zone
      }
      return data;
    }

    async function submitOutcome(form) {
      const c = state.current;
      if (!c) return;
      const body = outcomeBody(form);
      if (!body) { $('outcome-error').textContent = 'Choose when to call back.'; return; }
      const button = form.querySelector('button[type="submit"]');
      button.disabled = true;
      try {
        if (!(await saveAssessment(true))) return;
        const { ok, data } = await api('POST', `/api/v1/cases/${c.id}/${form.dataset.action}`, body);
        if (!ok) { $('outcome-error').textContent = data.message; toast(data.message, true); return; }
        $('outcome-error').textContent = '';
        const landline = form.dataset.action === 'inform' && form.querySelector('select[name="facility_id"]').selectedOptions[0].dataset.landline;
        toast(landline ? `${OUTCOME_TEXT[data.outcome]}: ${data.reference}. Their duty phone is a landline (no SMS): call ${landline} now and read them your note.`
          : `${OUTCOME_TEXT[data.outcome]}: ${data.reference}. Wrap-up ${config.wrap_up_seconds} s.`);
        state.current = Object.assign(state.current, data);
        updateOffer();  // the red "escalate" box goes once the case is escalated (or has any outcome)
        await refresh();
        $('ready').focus();
      } finally { button.disabled = false; }
    }

    // The emergency key (9): one press escalates as P1 and rings every doctor, whatever triage said.
    async function raiseEmergency() {
      const c = state.current;
      if (!c) return;
      await saveAssessment(true);
      const note = $('reason').value.trim();
      const { ok, data } = await api('POST', `/api/v1/cases/${c.id}/emergency`, note ? { note } : {});
      if (!ok) { toast(data.message || 'Could not raise the emergency.', true); return; }
      toast(`EMERGENCY raised: ${data.reference} rings every doctor on duty. Wrap-up ${config.wrap_up_seconds} s.`);
      state.current = Object.assign(state.current, data);
      await refresh();
      $('ready').focus();
    }

    function callbackIn(minutes, tomorrowHour) {
      // Delhi's wall clock (UTC+05:30, no daylight saving) read through the UTC fields, whatever the PC's zone.
      const at = new Date(now() + 330 * 60000);
      if (tomorrowHour !== undefined) { at.setUTCDate(at.getUTCDate() + 1); at.setUTCHours(tomorrowHour, 0, 0, 0); }
      else at.setUTCMinutes(at.getUTCMinutes() + minutes);
      const pad = (n) => String(n).padStart(2, '0');
      $('due-at').value = `${at.getUTCFullYear()}-${pad(at.getUTCMonth() + 1)}-${pad(at.getUTCDate())}T${pad(at.getUTCHours())}:${pad(at.getUTCMinutes())}`;
    }

    $('assess-form').addEventListener('submit', (event) => { event.preventDefault(); saveAssessment(false); });
    $('assess-form').addEventListener('change', (event) => { if (event.target.name === 'red_flags') updateOffer(); });
    for (const name of ['resolve', 'inform', 'escalate', 'callback']) {
      $(`tab-${name}`).addEventListener('click', () => (name === 'escalate' ? prepareEscalation(false) : selectTab(name, false)));
    }
    document.querySelectorAll('.outcome form').forEach((form) => form.addEventListener('submit', (event) => {
      event.preventDefault(); submitOutcome(form);
    }));
    document.querySelectorAll('[data-minutes]').forEach((b) => b.addEventListener('click', () => callbackIn(Number(b.dataset.minutes))));
    document.querySelectorAll('[data-tomorrow]').forEach((b) => b.addEventListener('click', () => callbackIn(0, Number(b.dataset.tomorrow))));
    $('disposition').addEventListener('change', () => {
      const option = $('disposition').selectedOptions[0];
      $('advice').required = option && option.dataset.needsAdvice === 'true';
    });

    return { flagBoxes, fillAssessment, prepareEscalation, raiseEmergency, selectTab };
  };
})();
