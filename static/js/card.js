// Card office actions: each form posts to /api/v1/cards/<number>/<action>, then the page reloads.
(function () {
  const panel = document.querySelector('.actions[data-card]');
  if (!panel) return;
  const errorBox = panel.querySelector('.form-error');
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  panel.querySelectorAll('form[data-action]').forEach((form) => {
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const action = form.dataset.action;
      if (action === 'revoke' && !window.confirm('Revoke this card? It cannot be undone.')) return;
      const data = Object.fromEntries(new FormData(form).entries());
      const response = await fetch(`/api/v1/cards/${panel.dataset.card}/${action}`, {
        method: 'POST', credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', 'X-CSRFToken': csrf },
        body: JSON.stringify(data),
      });
      const body = await response.json();
      if (!response.ok) { errorBox.textContent = body.message; errorBox.hidden = false; return; }
      window.location.href = `/cards/${body.number}`;
    });
  });
})();
