// The operator desk's WhatsApp controls and facility panel. Patches its own parts only: what the operator
// is typing (reply, template values, the place) is never replaced, and focus never moves by itself.
// Text from the server is set with textContent only.
(function () {
  'use strict';
  const $ = (id) => document.getElementById(id);
  const api = window.Sampark.api;
  const toast = window.Sampark.toast;
  let current = null;  // { id, channel, status }
  let templates = [];
  let builtFor = null;  // the case the template form was built for

  const el = window.Sampark.el;  // text children only, never HTML
  const hhmm = (iso) => new Date(iso).toLocaleString('en-IN', { weekday: 'short', hour: '2-digit', minute: '2-digit', hour12: false, timeZone: 'Asia/Kolkata' });

  // ---- WhatsApp: the 24-hour window and the approved templates -------------------------------
  let placeFor = null;  // the case the facility panel was last set up for
  function followCase(detail) {
    const id = detail ? detail.id : null;
    if (id === placeFor) return;
    placeFor = id;
    if (document.activeElement !== $('facility-place')) $('facility-place').value = '';  // a new caller, a new place
    $('facility-results').replaceChildren();
    wardFromScreenPop();
  }

  // When the caller is identified, their ward is the likely place (never over what the operator typed).
  function wardFromScreenPop() {
    const marker = document.querySelector('#screen-pop [data-screen-pop-case]');
    if (!marker || String(placeFor) !== marker.dataset.screenPopCase) return;  // another case's screen-pop
    const panel = document.querySelector('#screen-pop .patient-panel[data-ward]');
    const place = $('facility-place');
    if (panel && panel.dataset.ward && !place.value && document.activeElement !== place) place.value = panel.dataset.ward;
  }

  async function followThread(detail) {
    followCase(detail);
    current = detail;
    const whatsapp = !!(detail && detail.channel === 'whatsapp');
    $('thread-channel').textContent = whatsapp ? 'WhatsApp' : 'SMS';
    $('reply-send-label').textContent = whatsapp ? 'Send WhatsApp' : 'Send SMS';
    $('reply-error').textContent = '';
    if (!whatsapp) {
      $('wa-window').hidden = true; $('wa-template-form').hidden = true; $('reply-send').disabled = false;
      builtFor = null;
      if (detail) showSmsRule(detail);
      else { $('sms-dlt').hidden = true; $('reply-whatsapp').hidden = true; }
      return;
    }
    $('sms-dlt').hidden = true; $('reply-whatsapp').hidden = true;
    const { ok, data } = await api('GET', `/api/v1/cases/${detail.id}/whatsapp`);
    if (!ok || !current || current.id !== detail.id) return;
    const open = data.window.open;
    const box = $('wa-window');
    box.hidden = false;
    box.className = 'wa-window ' + (open ? 'wa-open' : 'wa-closed');
    box.replaceChildren(open
      ? el('span', {}, el('b', {}, 'WhatsApp window open'), ` until ${hhmm(data.window.closes_at)}: free-form replies allowed.`)
      : el('span', {}, el('b', {}, 'WhatsApp window closed. '),
        data.window.last_inbound_at ? `The citizen last wrote ${hhmm(data.window.last_inbound_at)}, more than 24 hours ago. `
          : 'The citizen has not written on WhatsApp. ',
        'Only an approved template can be sent; their reply opens the window again.'));
    $('reply-send').disabled = !open;  // the typed text stays: it can be sent once they write back
    $('reply-body').placeholder = open ? 'Reply on WhatsApp… (T to focus, Ctrl+Enter to send)'
      : 'Window closed: send a template below; what you type here is kept.';
    $('wa-template-form').hidden = false;
    if (builtFor !== detail.id) buildTemplates(data.templates, detail.id);
  }

  // An SMS case under an Indian gateway (DLT): only the registered texts go by SMS. Said before anything is typed,
  // with the way for free text: WhatsApp while the caller's 24-hour window is open, else a call.
  async function showSmsRule(detail) {
    const { ok, data } = await api('GET', `/api/v1/cases/${detail.id}/whatsapp`);
    if (!ok || !current || current.id !== detail.id) return;
    const box = $('sms-dlt');
    box.hidden = !data.sms_registered_only;
    $('reply-whatsapp').hidden = !(data.sms_registered_only && data.whatsapp.open);
    if (!data.sms_registered_only) return;
    box.className = 'wa-window ' + (data.whatsapp.open ? 'wa-open' : 'wa-closed');
    box.replaceChildren(el('b', {}, 'SMS: registered texts only (DLT). '),
      'Choose a canned reply and send it as it is; Indian carriers drop any other SMS. ',
      data.whatsapp.open
        ? `Free text: Send on WhatsApp (they wrote on WhatsApp; open until ${hhmm(data.whatsapp.closes_at)}).`
        : 'Free text: call them (no WhatsApp from this number in the last 24 hours).');
  }

  function buildTemplates(list, caseId) {
    templates = list;
    builtFor = caseId;
    $('wa-template').replaceChildren(el('option', { value: '' }, 'Choose…'),
      ...list.map((t, i) => el('option', { value: String(i) }, `${t.purpose} · ${Sampark.languageName(t.language)}`)));
    $('wa-variables').replaceChildren();
    $('wa-preview').textContent = '';
  }

  function chosen() { const i = $('wa-template').value; return i === '' ? null : templates[Number(i)]; }

  function showVariables() {
    const t = chosen();
    const reference = (document.getElementById('case-ref') || {}).textContent || '';
    $('wa-variables').replaceChildren(...(t ? t.variables.map((name, i) => el('label', {},
      el('span', { class: 'small muted' }, `{{${i + 1}}} ${name}`),
      el('input', { 'data-var': String(i), maxlength: '120', value: name === 'case reference' ? reference : '' }))) : []));
    preview();
  }

  function values() { return Array.from($('wa-variables').querySelectorAll('input')).map((input) => input.value.trim()); }

  function preview() {
    const t = chosen();
    const filled = values();
    $('wa-preview').textContent = t ? t.body.replace(/\{\{(\d+)\}\}/g, (all, n) => filled[Number(n) - 1] || all) : '';
  }

  async function sendTemplate(event) {
    event.preventDefault();
    const t = chosen();
    if (!current || !t) { toast('Choose a template.', true); return; }
    const { ok, data } = await api('POST', `/api/v1/cases/${current.id}/whatsapp/template`,
      { name: t.name, language: t.language, variables: values() });
    if (!ok) { toast(data.message, true); return; }
    toast('WhatsApp template queued.');
    $('wa-template').value = ''; showVariables();
  }

  // ---- the facility panel --------------------------------------------------------------------
  async function findFacilities(event) {
    event.preventDefault();
    const place = $('facility-place').value.trim();
    if (!place) { $('facility-place').focus(); return; }
    const query = new URLSearchParams({ place, kind: $('facility-kind').value, limit: '5' });
    const { ok, data } = await api('GET', `/api/v1/facilities/nearest?${query}`);
    const list = $('facility-results');
    if (!ok) { list.replaceChildren(el('li', { class: 'facility-none' }, data.message || 'Not found.')); return; }
    if (!data.facilities.length) { list.replaceChildren(el('li', { class: 'facility-none' }, 'No facility known near there.')); return; }
    list.replaceChildren(...data.facilities.map((f) => {
      const when = f.always_open ? 'open 24 h' : f.open_now ? `open till ${f.closes_at}` : f.opens ? `opens ${f.opens.day_label} at ${f.opens.time}` : 'hours not known';
      const phone = f.phone ? (f.phone_international || f.phone) : '';  // +91 11 2884 3470: a Delhi landline reads so
      const line = `${f.name}, ${f.address}. ${when}.${phone ? ' ' + phone : ''}`;
      return el('li', { class: 'facility ' + (f.open_now ? 'is-open' : 'is-closed') },
        el('div', { class: 'facility-head' }, el('b', {}, f.name), el('span', { class: 'mono' }, `${f.km} km`)),
        el('div', { class: 'small' }, el('span', { class: 'state ' + (f.open_now ? 'open' : 'closed') }, f.open_now ? 'Open' : 'Closed'),
          ` ${f.kind_label} · ${when}`, phone ? ` · ${phone}${f.landline ? ' (landline: call, no SMS)' : ''}` : ''),
        el('div', { class: 'small muted' }, f.services.map((s) => s.label).join(' · ')),
        el('button', { type: 'button', class: 'quiet small', title: 'Add this facility to the reply (what you typed stays)',
          onclick: () => addToReply(line) }, 'Add to reply'));
    }));
  }

  function addToReply(line) {
    const box = $('reply-body');
    if (box.closest('#case') && document.getElementById('case').hidden) { toast('Open a case first.', true); return; }
    box.value = box.value ? `${box.value.replace(/\s+$/, '')}\n${line}` : line;
    box.dispatchEvent(new Event('input', { bubbles: true }));  // the counter and the saved draft follow
    toast('Added to the reply: check it, then send.');
  }

  document.addEventListener('sampark:thread', (event) => followThread(event.detail));
  $('wa-template').addEventListener('change', showVariables);
  $('wa-variables').addEventListener('input', preview);
  $('wa-template-form').addEventListener('submit', sendTemplate);
  $('facility-form').addEventListener('submit', findFacilities);
  new MutationObserver(wardFromScreenPop).observe($('screen-pop'), { childList: true });
})();
