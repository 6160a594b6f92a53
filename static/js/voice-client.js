// Staff answer calls in the browser (production Twilio only). The app rings "client:staff-<id>" into
// the case's conference; this page registers that identity with the vendored Twilio Voice SDK and
// accepts the call, since the staff member asked for it by claiming or accepting the case.
(function () {
  const status = document.getElementById('voice-status');
  function show(text, state) { if (status) { status.textContent = text; status.dataset.state = state; } }
  async function token() {
    const { ok, data } = await window.Sampark.api('GET', '/api/v1/telephony/token');
    if (!ok) throw new Error(data.message || 'no voice token');
    return data;
  }
  async function start() {
    if (!window.Twilio || !window.Twilio.Device) { show('phone: SDK missing', 'down'); return; }
    const first = await token();
    const device = new window.Twilio.Device(first.token, { closeProtection: true, codecPreferences: ['opus', 'pcmu'] });
    device.on('registered', () => show('phone ready', 'live'));
    device.on('unregistered', () => show('phone offline', 'down'));
    device.on('error', (err) => show('phone error: ' + err.message, 'down'));
    device.on('tokenWillExpire', async () => device.updateToken((await token()).token));
    device.on('incoming', (call) => {
      show('on call', 'live');
      call.on('disconnect', () => show('phone ready', 'live'));
      call.accept();
    });
    await device.register();
  }
  start().catch((err) => show('phone unavailable: ' + err.message, 'down'));
})();
