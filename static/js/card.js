// Card office actions: each form posts to /api/v1/cards/<number>/<action>, then the page reloads.
(function () {
  const panel = document.querySelector('.actions[data-card]');
  if (!panel) return;
  const errorBox = panel.querySelector('.form-error');
  panel.querySelectorAll('form[data-action]').forEach((form) => {
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const action = form.dataset.action;
      if (action === 'revoke' && !window.confirm('Revoke this card? It cannot be undone.')) return;
      const data = Object.fromEntries(new FormData(form).entries());
      const r = await window.Sampark.api('POST', `/api/v1/cards/${panel.dataset.card}/${action}`, data);
      if (!r.ok) { errorBox.textContent = r.data.message; errorBox.hidden = false; return; }
      window.location.href = `/cards/${r.data.number}`;
    });
  });
})();
