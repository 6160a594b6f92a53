/* The live figures of the supervisor board and the wallboard: read over HTTP when something happened.
   Socket events only say "look again": every event schedules one fetch (debounced), never a polling loop.
   Waits tick locally between fetches, from the moment the figures were read. */
(function () {
  'use strict';

  function duration(seconds) {
    if (seconds === null || seconds === undefined) return '–';
    const s = Math.max(0, Math.round(seconds));
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    const pad = (n) => String(n).padStart(2, '0');
    return h ? `${h}:${pad(m)}:${pad(r)}` : `${m}:${pad(r)}`;
  }

  function show(el, value) {
    const kind = el.dataset.kind;
    let text;
    if (value === null || value === undefined) text = '–';
    else if (kind === 'duration') text = duration(value);
    else if (kind === 'percent') text = `${Number(value).toFixed(1)}%`;
    else text = String(value);
    if (el.textContent !== text) el.textContent = text;
  }

  /* Fill every [data-field] inside each [data-queue] tile; colour fields by the queue's status. */
  function fillQueues(root, queues) {
    for (const q of queues) {
      const tile = root.querySelector(`[data-queue="${q.queue}"]`);
      if (!tile) continue;
      tile.querySelectorAll('[data-field]').forEach((el) => {
        show(el, q[el.dataset.field]);
        const rag = (q.status || {})[el.dataset.field];
        if (rag) el.dataset.rag = rag; else delete el.dataset.rag;
      });
      const worst = Object.values(q.status || {});
      tile.dataset.rag = worst.includes('red') ? 'red' : worst.includes('amber') ? 'amber' : 'green';
      tile.dataset.longest = q.longest_wait === null ? '' : q.longest_wait;
      tile.dataset.threshold = q.threshold_seconds;
    }
  }

  /* Between reads, the longest waits keep counting (a waiting caller waits on). */
  function tick(root, readAt) {
    const gone = (Date.now() - readAt) / 1000;
    root.querySelectorAll('[data-queue]').forEach((tile) => {
      if (tile.dataset.longest === '' || tile.dataset.longest === undefined) return;
      const el = tile.querySelector('[data-field="longest_wait"]');
      const wait = Number(tile.dataset.longest) + gone, limit = Number(tile.dataset.threshold);
      show(el, wait);
      el.dataset.rag = wait <= limit ? 'green' : wait <= 2 * limit ? 'amber' : 'red';
    });
  }

  function live(url, render) {
    const status = document.getElementById('live');
    let timer = null, inFlight = false, again = false;
    async function read() {
      timer = null;
      if (inFlight) { again = true; return; }
      inFlight = true;
      try {
        const response = await fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
        if (response.ok) render(await response.json(), Date.now());
      } finally {
        inFlight = false;
        if (again) { again = false; soon(); }
      }
    }
    function soon() { if (!timer) timer = setTimeout(read, 150); }
    function state(name, text) { if (status) { status.dataset.state = name; status.textContent = text; } }
    const socket = window.io({ transports: ['websocket', 'polling'], tryAllTransports: true, reconnectionDelayMax: 5000 });
    socket.on('connect', () => { state('live', 'Live'); read(); });
    socket.on('live.reread', () => read());  // the server's Redis came back: what it missed is read again
    socket.on('disconnect', () => state('down', 'Reconnecting…'));
    socket.on('connect_error', () => state('down', 'Not connected: retrying…'));
    socket.onAny(() => soon());
    read();
    return { refresh: soon };
  }

  window.SamparkFloor = { duration, show, fillQueues, tick, live };
})();
