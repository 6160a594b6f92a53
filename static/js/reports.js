/* Reports: the grouped figures from /api/v1/supervisor/reports as two charts and a table. */
(function () {
  'use strict';
  const root = document.getElementById('reports');
  const form = document.getElementById('report-form');
  const duration = (v) => (v === null || v === undefined ? '–' : (window.SamparkFloor ? window.SamparkFloor.duration(v) : String(v)));
  const pct = (v) => (v === null || v === undefined ? '–' : `${v.toFixed(1)}%`);
  const COLOURS = { tier1: '#0b5d6b', texts: '#6b8e23', tier2: '#1c4f8f', emergency: '#b3261e' };
  const NAMES = { tier1: 'Tier 1 calls', texts: 'Tier 1 texts', tier2: 'Tier 2 doctors', emergency: 'Emergency' };
  let volume = null, level = null;

  function params() {
    const data = new FormData(form);
    return new URLSearchParams({ from: data.get('from'), to: data.get('to'), by: data.get('by') });
  }

  function draw(rows) {
    const groups = [...new Set(rows.map((r) => r.group))];
    const sum = (g, field) => rows.filter((r) => r.group === g).reduce((n, r) => n + r[field], 0);
    if (volume) volume.destroy();
    volume = new window.Chart(document.getElementById('chart-volume'), {
      type: 'bar',
      data: { labels: groups, datasets: [
        { label: 'Answered', data: groups.map((g) => sum(g, 'answered')), backgroundColor: '#1f7a3d' },
        { label: 'Abandoned', data: groups.map((g) => sum(g, 'abandoned')), backgroundColor: '#b3261e' }] },
      options: { animation: false, responsive: true, scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } },
    });
    const queues = [...new Set(rows.map((r) => r.queue))];
    if (level) level.destroy();
    level = new window.Chart(document.getElementById('chart-sl'), {
      type: 'bar',
      data: { labels: groups, datasets: queues.map((q) => ({
        label: NAMES[q] || q, backgroundColor: COLOURS[q] || '#888',
        data: groups.map((g) => { const r = rows.find((x) => x.group === g && x.queue === q); return r ? r.service_level : null; }) })) },
      options: { animation: false, responsive: true, scales: { y: { min: 0, max: 100, title: { display: true, text: '%' } } } },
    });
  }

  function table(rows) {
    const body = document.getElementById('report-rows');
    body.innerHTML = '';
    for (const r of rows) {
      const tr = document.createElement('tr');
      for (const text of [r.group, NAMES[r.queue] || r.queue, r.offered, r.answered, `${r.abandoned} (${r.short_abandoned} short)`,
        pct(r.service_level), duration(r.average_speed_of_answer), pct(r.abandon_rate), duration(r.average_handle_time)]) {
        const td = document.createElement('td');
        td.textContent = text;
        tr.append(td);
      }
      body.append(tr);
    }
    if (!rows.length) body.innerHTML = '<tr><td colspan="9" class="muted">No contacts in this period.</td></tr>';
  }

  async function show(event) {
    if (event) event.preventDefault();
    const query = params();
    document.getElementById('csv-link').href = `${root.dataset.csv}?${query}`;
    document.getElementById('pdf-link').href = `${root.dataset.pdf}?day=${query.get('from')}`;
    const errorBox = document.getElementById('report-error');
    const { ok, data } = await window.Sampark.api('GET', `${root.dataset.url}?${query}`);
    if (!ok) { errorBox.textContent = data.message; errorBox.hidden = false; return; }
    errorBox.hidden = true;
    root.dataset.loaded = 'true';
    draw(data.rows);
    table(data.rows);
  }

  form.addEventListener('submit', show);
  show();
})();
