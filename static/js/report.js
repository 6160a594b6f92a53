// The case report page: the Print button (kept out of the HTML so the Content-Security-Policy forbids inline script).
document.querySelectorAll('[data-action="print"]').forEach((button) => {
  button.addEventListener('click', () => window.print());
});
