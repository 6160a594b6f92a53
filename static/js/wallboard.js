/* The wallboard: queue tiles and how many agents are in each state; no names, no cases. */
(function () {
  'use strict';
  const F = window.SamparkFloor;
  const root = document.getElementById('wallboard');
  const STATES = [['available', 'Available'], ['on_call', 'On call'], ['wrap_up', 'Wrap-up'], ['break', 'Break']];
  const DOCTORS = [['logged_in', 'Doctors logged in'], ['on_duty', 'Doctors on duty'], ['sound_on', 'Doctors, sound on'],
    ['on_call', 'Doctors on a call']];
  let readAt = Date.now();

  function render(board, at) {
    readAt = at;
    F.fillQueues(root, board.queues);
    const unaccepted = board.unaccepted_emergencies || 0;
    document.body.dataset.emergency = unaccepted ? 'true' : 'false';
    document.getElementById('wall-alert-count').textContent = unaccepted ? `(${unaccepted})` : '';
    const emergencyTile = root.querySelector('[data-queue="emergency"]');
    if (emergencyTile && unaccepted) emergencyTile.dataset.rag = 'red';
    const foot = document.getElementById('wall-agents');
    foot.innerHTML = '';
    for (const [key, label] of STATES) {
      const box = document.createElement('div');
      box.className = 'wall-agent';
      box.dataset.state = key;
      const n = document.createElement('span');
      n.className = 'wall-mid';
      n.textContent = board.agents[key] || 0;
      const l = document.createElement('span');
      l.className = 'wall-label';
      l.textContent = label;
      box.append(n, l);
      foot.append(box);
    }
    for (const [key, label] of DOCTORS) {
      const box = document.createElement('div');
      box.className = 'wall-agent'; box.dataset.kind = 'doctors'; box.dataset.count = key;
      const n = document.createElement('span'); n.className = 'wall-mid'; n.textContent = (board.doctors || {})[key] || 0;
      const l = document.createElement('span'); l.className = 'wall-label'; l.textContent = label;
      box.append(n, l); foot.append(box);
    }
  }

  function clock() {
    document.getElementById('wall-clock').textContent = new Date().toLocaleTimeString('en-IN',
      { timeZone: 'Asia/Kolkata', hour: '2-digit', minute: '2-digit' });
    F.tick(root, readAt);
  }

  window.sampark = F.live(root.dataset.boardUrl, render);  // for support staff in the console, and the browser tests
  clock();
  setInterval(clock, 1000);
})();
