// The lookup desk: USB scanner field, card number, phone, photo upload and webcam scanning.
// Every path asks the server for the patient panel (/lookup/panel), which is rendered and
// escaped server-side and audited there.
(function () {
  const result = document.getElementById('result');
  const caseId = document.getElementById('case-id').value;
  const csrf = window.Sampark.csrf;

  async function show(response) {
    if (response.redirected && new URL(response.url).pathname === '/login') {
      // The session expired: log in again on a whole page, then come back here.
      window.Sampark.toLogin();
      return;
    }
    result.innerHTML = await response.text();  // server-rendered and escaped
    result.dataset.state = response.ok ? 'found' : 'error';
  }

  async function lookup(query) {
    result.dataset.state = 'loading';
    const response = await fetch('/lookup/panel', {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRFToken': csrf },
      body: JSON.stringify(Object.assign({ case_id: caseId }, query)),
    });
    await show(response);
  }

  function onSubmit(formId, field) {
    const form = document.getElementById(formId);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const value = form.elements[field].value.trim();
      if (value) lookup({ [field]: value });
      if (field === 'qr') form.elements[field].value = '';  // ready for the next scan
    });
  }
  onSubmit('scanner-form', 'qr');
  onSubmit('number-form', 'card_number');
  onSubmit('phone-form', 'phone');
  onSubmit('abha-form', 'abha');

  document.getElementById('photo-input').addEventListener('change', async (event) => {
    const file = event.target.files[0];
    if (!file) return;
    const data = new FormData();
    data.append('photo', file);
    data.append('case_id', caseId);
    result.dataset.state = 'loading';
    const response = await fetch('/lookup/panel', {
      method: 'POST', credentials: 'same-origin', headers: { 'X-CSRFToken': csrf }, body: data,
    });
    await show(response);
    event.target.value = '';
  });

  // Keyboard: F2 scanner, F3 card number, F4 phone (F5 stays the browser's reload).
  const keys = { F2: 'scanner-input', F3: 'number-input', F4: 'phone-input' };
  document.addEventListener('keydown', (event) => {
    if (keys[event.key]) { event.preventDefault(); document.getElementById(keys[event.key]).focus(); }
  });

  // Webcam: decode frames with the vendored jsQR until a code is found.
  const toggle = document.getElementById('webcam-toggle');
  const video = document.getElementById('webcam-video');
  const canvas = document.getElementById('webcam-canvas');
  const status = document.getElementById('webcam-status');
  let stream = null;

  function stop() {
    if (stream) stream.getTracks().forEach((t) => t.stop());
    stream = null; video.hidden = true; toggle.textContent = 'Scan with webcam';
  }

  function tick() {
    if (!stream) return;
    if (video.readyState === video.HAVE_ENOUGH_DATA) {
      canvas.width = video.videoWidth; canvas.height = video.videoHeight;
      const context = canvas.getContext('2d', { willReadFrequently: true });
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      const frame = context.getImageData(0, 0, canvas.width, canvas.height);
      const code = window.jsQR(frame.data, frame.width, frame.height, { inversionAttempts: 'dontInvert' });
      if (code && code.data) { status.textContent = 'Card read.'; stop(); lookup({ qr: code.data }); return; }
    }
    requestAnimationFrame(tick);
  }

  toggle.addEventListener('click', async () => {
    if (stream) { stop(); status.textContent = ''; return; }
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      status.textContent = 'This browser cannot use a webcam here (it needs https or localhost).'; return;
    }
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } });
    } catch (err) {
      status.textContent = 'No webcam available: ' + err.message; return;
    }
    video.srcObject = stream; video.hidden = false; await video.play();
    toggle.textContent = 'Stop webcam'; status.textContent = 'Hold the card\'s QR code up to the camera.';
    requestAnimationFrame(tick);
  });
})();
