// The operator desk's phone side: the contact rung to this operator (accept / reject, a countdown, a ring
// after the sound is turned on, a title cue) and the bar of calls still connected (hold, mute, leave, end; the
// shared static/js/call-legs.js) whatever the case panel shows: the phone leg is the truth (crm/cases/legs.py). operator-desk.js builds it
// with what it shares: window.SamparkPhone(desk); desk.show(board) is called after each board read.
(function () {
  'use strict';
  window.SamparkPhone = function (desk) {
    const { api, toast, now, ms, clock, refresh, claimed } = desk;
    const $ = (id) => document.getElementById(id);
    const title = document.title;
    const phone = { offer: null, sound: null, flash: null, ringing: null };

    // ---- the offer -----------------------------------------------------------------------------
    const LANG = { hi: 'Hindi', en: 'English', pa: 'Punjabi', ur: 'Urdu' };
    const CHANNEL = { voice: 'Call', sms: 'SMS', whatsapp: 'WhatsApp' };

    function showOffer(offer) {
      const same = phone.offer && offer && phone.offer.case_id === offer.case_id;
      phone.offer = offer;
      $('offer').hidden = !offer;
      if (!offer) { stopRinging(); return; }
      $('offer-title').textContent = `${CHANNEL[offer.channel] || offer.channel} for you: ${offer.reference}`;
      $('offer-detail').textContent = ` · ${offer.priority} · ${LANG[offer.language] || offer.language}` +
        (offer.queued_at ? ` · waited ${clock((now() - ms(offer.queued_at)) / 1000)}` : '');
      if (!same) startRinging(offer);
      tick();
    }

    function startRinging(offer) {
      stopRinging();
      ring();
      phone.ringing = setInterval(ring, 2500);
      let on = false;
      phone.flash = setInterval(() => {
        on = !on;
        document.title = on ? `☎ ${offer.reference} ringing` : title;
      }, 1000);
    }

    function stopRinging() {
      clearInterval(phone.ringing); clearInterval(phone.flash);
      phone.ringing = phone.flash = null;
      document.title = title;
    }

    function ring() {
      const audio = phone.sound;
      if (!audio) return;  // the browser plays nothing before a click: "Ring sound on"
      const tone = audio.createOscillator(), gain = audio.createGain();
      tone.frequency.value = 660; gain.gain.value = 0.15;
      tone.connect(gain); gain.connect(audio.destination);
      tone.start(); tone.stop(audio.currentTime + 0.35);
    }

    function tick() {
      const offer = phone.offer;
      if (!offer) return;
      const left = (ms(offer.expires_at) - now()) / 1000;
      $('offer-clock').textContent = clock(left);
      if (left <= 0) { stopRinging(); refresh(); }
    }

    async function accept() {
      const offer = phone.offer;
      if (!offer) return;
      $('offer-accept').disabled = true;
      const { ok, data } = await api('POST', `/api/v1/offers/${offer.case_id}/accept`);
      $('offer-accept').disabled = false;
      showOffer(null);
      if (!ok) { toast(data.message || 'That offer has ended.', true); refresh(); return; }
      await claimed(data);
    }

    async function reject() {
      const offer = phone.offer;
      if (!offer) return;
      showOffer(null);
      const { ok, data } = await api('POST', `/api/v1/offers/${offer.case_id}/reject`);
      toast(ok ? `${offer.reference} goes to the next operator.` : data.message, !ok);
      refresh();
    }

    $('offer-accept').addEventListener('click', accept);
    $('offer-reject').addEventListener('click', reject);
    $('sound-on').addEventListener('click', () => {
      const Context = window.AudioContext || window.webkitAudioContext;
      if (!Context) { toast('This browser cannot ring.', true); return; }
      phone.sound = phone.sound || new Context();
      phone.sound.resume();
      ring();  // a test ring: the operator hears what an offer sounds like
      $('sound-on').textContent = 'Ring on';
      $('sound-on').setAttribute('aria-pressed', 'true');
    });

    // ---- calls still connected: the shared bar (static/js/call-legs.js) -----------------------------
    const legBar = window.SamparkLegs({ api, toast, refresh });

    setInterval(tick, 1000);
    return {
      show(board, current) { showOffer(board.offer || null); legBar.show((board.me && board.me.legs) || [], current && current.id); },
      onLeg(board, caseId) { return ((board && board.me && board.me.legs) || []).some((leg) => leg.case_id === caseId); },
    };
  };
})();
