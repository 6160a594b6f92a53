/* The card office: each import or bulk issue on the page follows its job live.
   The socket brings progress to this registrar's room; on (re)connect and on load the page asks the API for
   the state of every unfinished job, so a reload or a missed event never leaves a stale bar. */
(function () {
  'use strict';
  const number = new Intl.NumberFormat('en-IN');
  const RESULT = {
    registry_import: (r) => `Created ${number.format(r.created || 0)}, updated ${number.format(r.updated || 0)}, ` +
      `unchanged ${number.format(r.unchanged || 0)}, households created ${number.format(r.households_created || 0)}.`,
    card_issue: (r) => `Issued ${number.format(r.issued || 0)} cards.`,
  };

  // Residents without a card change when an import or an issue ends: the bulk-issue panel follows.
  async function missingCards() {
    const answer = await window.Sampark.api('GET', '/api/v1/card-office/jobs');
    if (!answer.ok) return;
    document.getElementById('missing-cards').textContent = number.format(answer.data.missing_cards);
    document.getElementById('issue-button').disabled = !answer.data.missing_cards;
  }

  function render(job) {
    const box = document.querySelector(`[data-job="${job.id}"]`);
    if (!box) return;
    const field = (name) => box.querySelector(`[data-field="${name}"]`);
    const ended = (job.status === 'done' || job.status === 'failed') && box.dataset.status !== job.status;
    box.dataset.status = job.status;
    const bar = box.querySelector('progress');
    bar.max = Math.max(job.total || 0, 1);
    bar.value = job.total ? Math.min(job.done, job.total) : (job.status === 'done' ? 1 : 0);
    const status = field('status');
    status.textContent = job.status;
    status.className = `state state-${job.status}`;
    field('done').textContent = number.format(job.done || 0);
    field('total').textContent = number.format(job.total || 0);
    if (field('rejected')) field('rejected').textContent = number.format(job.rejected || 0);
    field('stage').textContent = job.stage;
    field('result').textContent = job.status === 'done' ? RESULT[job.kind](job.result || {}) : '';
    const error = field('error');
    error.textContent = job.error || '';
    error.hidden = !job.error;
    if (field('rejects')) field('rejects').hidden = !job.rejects;
    if (ended) missingCards();
  }

  function unfinished() {
    return [...document.querySelectorAll('[data-job]')]
      .filter((box) => box.dataset.status === 'queued' || box.dataset.status === 'running');
  }

  async function refresh() {
    for (const box of unfinished()) {
      const answer = await window.Sampark.api('GET', `/api/v1/card-office/jobs/${box.dataset.job}`);
      if (answer.ok) render(answer.data);
    }
  }

  const live = document.getElementById('live');
  function state(name, text) { live.dataset.state = name; live.textContent = text; }
  const socket = window.io({ reconnectionDelayMax: 5000 });
  socket.on('connect', () => { state('live', 'live'); refresh(); });
  socket.on('live.reread', () => refresh());  // the server's Redis came back: what it missed is read again
  socket.on('disconnect', () => state('down', 'reconnecting…'));
  socket.on('connect_error', () => state('down', 'not connected: retrying…'));
  socket.on('office.progress', render);
  refresh();
  const focus = document.querySelector('[data-job][data-focus]');
  if (focus) focus.scrollIntoView({ block: 'nearest' });
})();
