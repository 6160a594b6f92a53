// The facility finder's "use my location": the browser's own geolocation, rounded to about 100 m, sent only to this
// site's /facilities (which sorts by distance from it). Without geolocation (or without this script) the button
// stays hidden and the finder works as before, by pincode or ward.
(function () {
  const button = document.getElementById('locate');
  const status = document.getElementById('locate-status');
  if (!button || !navigator.geolocation) return;
  button.hidden = false;
  function say(text) { status.textContent = text; status.hidden = !text; }
  button.addEventListener('click', () => {
    button.disabled = true;
    say(button.dataset.busy);
    navigator.geolocation.getCurrentPosition((position) => {
      const { latitude, longitude } = position.coords;
      const url = new URL(window.location.href);
      url.searchParams.delete('q');
      url.searchParams.set('near', `${latitude.toFixed(3)},${longitude.toFixed(3)}`);
      const kind = document.querySelector('input[name="kind"]:checked');
      if (kind) url.searchParams.set('kind', kind.value);
      window.location.assign(url.toString());
    }, () => {
      button.disabled = false;
      say(button.dataset.refused);
    }, { enableHighAccuracy: false, timeout: 15000, maximumAge: 300000 });
  });
})();
