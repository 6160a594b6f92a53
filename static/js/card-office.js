/* The card office: each import or bulk issue on the page follows its job live, through the shared live
   client (Sampark.live): progress events in this registrar's room make the page read its unfinished jobs, as
   do a load and every (re)connect, so a reload or a missed event never leaves a stale bar. */
(function () {
  'use strict';
  const number = new Intl.NumberFormat('en-IN');
  const RESULT = {
    registry_import: (r) => `Created ${number.format(r.created || 0)}, updated ${number.format(r.updated || 0)}, ` +
      `unchanged ${number.format(r.unchanged || 0)}, households created ${number.format(r.households_created || 0)}.` +
      (r.duplicates ? ` ${number.format(r.duplicates)} likely duplicate${r.duplicates === 1 ? '' : 's'} to review.` : ''),
    card_issue: (r) => `Issued ${number.format(r.issued || 0)} cards.`,
  };

  // Residents without a card change when an import or an issue ends: the bulk-issue panel follows.
  async function missingCards() {
    const answer = await window.Sampark.api('GET', '/api/v1/card-office/jobs');
    if (!answer.ok) return;
    const issuing = answer.data.jobs.some((job) => job.kind === 'card_issue' && ['queued', 'running'].includes(job.status));
    document.getElementById('missing-cards').textContent = number.format(answer.data.missing_cards);
    const button = document.getElementById('issue-button');
    button.disabled = issuing || !answer.data.missing_cards;
    if (!issuing) button.textContent = 'Issue their cards';
    if (answer.data.to_print !== undefined) document.getElementById('to-print').textContent = number.format(answer.data.to_print);
  }

  // While cards are being issued, the count of residents without one falls with the job and the button waits.
  function issuePanel(job) {
    if (job.kind !== 'card_issue' || !['queued', 'running'].includes(job.status)) return;
    const button = document.getElementById('issue-button');
    button.disabled = true;
    button.textContent = job.total ? `Issuing… ${number.format(job.done || 0)} of ${number.format(job.total)}` : 'Issuing…';
    if (job.total) document.getElementById('missing-cards').textContent = number.format(Math.max(job.total - (job.done || 0), 0));
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
    issuePanel(job);
    if (ended) missingCards();
  }

  function unfinished() {
    return [...document.querySelectorAll('[data-job]')]
      .filter((box) => box.dataset.status === 'queued' || box.dataset.status === 'running');
  }

  // What every unfinished job on the page looks like now (the job rows are the truth; an event only says which
  // job moved). A burst of progress events is one read, and an older read never moves a bar back.
  async function read() {
    const jobs = [];
    for (const box of unfinished()) {
      const answer = await window.Sampark.api('GET', `/api/v1/card-office/jobs/${box.dataset.job}`);
      if (answer.ok) jobs.push(answer.data);
    }
    return jobs;
  }

  window.Sampark.live({
    rooms: [],  // only this registrar's own room: their jobs' progress, no case traffic
    read,
    show: (jobs) => jobs.forEach(render),
    hears: (name) => name === 'office.progress',
    status: { element: document.getElementById('live'), live: 'live', down: 'reconnecting…', failed: 'not connected: retrying…' },
  });
  const focus = document.querySelector('[data-job][data-focus]');
  if (focus) focus.scrollIntoView({ block: 'nearest' });
})();
