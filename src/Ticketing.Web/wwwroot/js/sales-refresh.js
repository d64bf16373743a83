// The organiser's show page (Pages/Organiser/Schedule.cshtml): reads the sales again every data-refresh-seconds from the page's
// Sales handler, which renders Pages/Organiser/_Sales.cshtml, and swaps the fresh figures in without reloading the page. The page
// itself renders the same partial, so without this script the figures are there, as of the page's load.
// A refusal (the partial carries no figures) or a failed request keeps the last figures and says so; the next tick tries again.
(function () {
  'use strict';
  const box = document.querySelector('[data-testid=sales][data-refresh-url]');
  if (!box) return;

  const url = box.dataset.refreshUrl;
  const every = Math.max(1, Number(box.dataset.refreshSeconds) || 5) * 1000;
  const status = (text) => {
    const el = box.querySelector('[data-testid=sales-status]');
    if (el) el.textContent = text;
  };

  function apply(html) {
    const fresh = new DOMParser().parseFromString(html, 'text/html');
    if (!fresh.querySelector('[data-testid=sales-figures]')) {
      const error = fresh.querySelector('[data-testid=sales-error]');
      status(` · not updated: ${error ? error.textContent.trim() : 'no figures'}`);
      return;
    }
    box.replaceChildren(...Array.from(fresh.body.childNodes, (node) => document.importNode(node, true)));
  }

  function refresh() {
    if (document.hidden) {
      setTimeout(refresh, every);
      return;
    }
    fetch(url, { headers: { Accept: 'text/html' }, credentials: 'same-origin', cache: 'no-store' })
      .then((response) => {
        // A redirect is the sign-in page (the session ended), not the figures.
        if (!response.ok || response.redirected) throw new Error(`status ${response.status}`);
        return response.text();
      })
      .then(apply)
      .catch(() => status(' · not updated, trying again'))
      .finally(() => setTimeout(refresh, every));
  }

  setTimeout(refresh, every);
})();
