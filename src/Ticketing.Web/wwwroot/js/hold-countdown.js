// The hold page (Pages/Holds/Details.cshtml): counts down the time the seat is held for, from the countdown's data-expires-at
// (ISO 8601, the hold's expiresAt), as m:ss every half second; at zero it says "no time" and disables the pay button.
(function tick() {
  'use strict';
  const el = document.querySelector('[data-testid=countdown]');
  if (!el) return;
  const left = Math.max(0, Math.floor((new Date(el.dataset.expiresAt) - new Date()) / 1000));
  el.textContent = Math.floor(left / 60) + ':' + String(left % 60).padStart(2, '0');
  if (left === 0) { el.textContent = 'no time'; document.querySelector('[data-testid=pay]')?.setAttribute('disabled', 'disabled'); return; }
  setTimeout(tick, 500);
})();
