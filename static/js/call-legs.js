// The bar of calls still connected (hold, mute, leave, end), on every desk that takes calls: the phone leg is the
// truth (crm/cases/legs.py), so a call is never left connected with no way to hold, mute, leave or end it, whatever
// the case panel shows. A desk builds it once over its #leg-bar / #leg-list (templates/_leg_bar.html):
// const bar = window.SamparkLegs({ api, toast, refresh }); then bar.show(board.me.legs, caseIdWithOwnControls).
(function () {
  'use strict';
  window.SamparkLegs = function ({ api, toast, refresh }) {
    const el = window.Sampark.el;  // text children only, never HTML
    const bar = document.getElementById('leg-bar');
    const list = document.getElementById('leg-list');
    let shown = '';

    // Every leg of this person that is up except `current`'s (the case on screen whose panel has its own controls).
    function show(legs, current) {
      const others = (legs || []).filter((leg) => !current || leg.case_id !== current);
      bar.hidden = others.length === 0;
      const key = others.map((leg) => `${leg.case_id}:${leg.connected}`).join(',');
      if (key === shown) return;  // unchanged: keep the buttons (and their hold / mute state) as they are
      shown = key;
      list.replaceChildren(...others.map((leg) => el('span', { class: 'leg', dataset: { caseId: leg.case_id } },
        el('b', {}, leg.reference || 'a call'), ` · ${leg.connected ? 'connected' : 'ringing'} `,
        el('button', { type: 'button', dataset: { leg: 'hold', on: 'true' } }, 'Hold caller'),
        el('button', { type: 'button', dataset: { leg: 'mute', on: 'true' } }, 'Mute me'),
        el('button', { type: 'button', dataset: { leg: 'leave' } }, 'Leave call'),
        el('button', { type: 'button', class: 'danger', dataset: { leg: 'end-call' } }, 'End call'))));
    }

    bar.addEventListener('click', async (e) => {
      const button = e.target.closest('button[data-leg]');
      if (!button) return;
      const caseId = button.closest('.leg').dataset.caseId;
      const act = button.dataset.leg;
      if (act === 'end-call' && !window.confirm('End the call for the caller and everyone on it?')) return;
      const on = button.dataset.on === 'true';
      const body = act === 'hold' || act === 'mute' ? { on } : undefined;
      const { ok, data } = await api('POST', `/api/v1/cases/${caseId}/${act}`, body);
      if (!ok) { toast(data.message, true); return; }
      if (act === 'hold' || act === 'mute') button.dataset.on = String(!on);
      if (act === 'hold') button.textContent = on ? 'Resume caller' : 'Hold caller';
      if (act === 'mute') button.textContent = on ? 'Unmute me' : 'Mute me';
      toast({ hold: on ? 'The caller is on hold (music).' : 'The caller is back.', mute: on ? 'You are muted.' : 'You are unmuted.',
        leave: 'You left the call.', 'end-call': 'The call has ended.' }[act]);
      if (act === 'leave' || act === 'end-call') shown = '';
      refresh();
    });

    return { show };
  };
})();
