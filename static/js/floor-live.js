/* The live figures of the supervisor board and the wallboard, read through the shared live client
   (Sampark.live: events say "look again", a burst is one read, the newest read wins), never a polling loop.
   Waits tick locally between reads, from the moment the figures were read. */
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

  /* Follow a board URL through the shared live client: render(board, readAt) with each newest read. */
  function live(url, render) {
    return window.Sampark.live({
      rooms: ['supervisors'],
      read: async () => { const r = await window.Sampark.api('GET', url); return r.ok ? { board: r.data, at: Date.now() } : null; },
      show: ({ board, at }) => render(board, at),
      status: { element: document.getElementById('live'), live: 'Live', down: 'Reconnecting…', failed: 'Not connected: retrying…' },
    });
  }

  window.SamparkFloor = { duration, show, fillQueues, tick, live };
})();
