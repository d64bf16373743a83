// The waiting room page (Pages/Concerts/Queue.cshtml): keeps the position, progress bar, estimated wait and "last updated" time
// current, and moves on to the dates when the person is admitted.
// Updates come from the page's Events handler through EventSource (the Api's live stream, relayed by the Web). Without
// EventSource, or when the stream fails three times in a row (or is refused outright), the page polls its Status handler every
// 2 s instead. The words and numbers match Services/WaitingRoomText.cs, which renders the first paint.
(function () {
  'use strict';
  // In line (WAITING) or in the pre-queue before the sale opens (PREQUEUE: no position yet; the page reloads when the draw
  // places the person, and shows the sale's opening in their own time zone).
  const box = document.querySelector('[data-testid=queue][data-status=WAITING], [data-testid=queue][data-status=PREQUEUE]');
  if (!box) return;
  const shown = box.dataset.status;

  const $ = (id) => box.querySelector(`[data-testid=${id}]`);
  const position = $('position'), aheadLabel = $('ahead-label'), eta = $('eta'), updated = $('last-updated'), connection = $('connection');
  const progress = $('progress'), progressFill = progress && progress.querySelector('.progress-fill rect');
  const start = Number(box.dataset.startPosition);
  const opensAt = $('opens-at');
  if (opensAt) {
    opensAt.textContent = new Date(opensAt.dateTime).toLocaleString([], { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', hour12: false });
  }

  const aheadOfYou = (n) => (n === 1 ? 'person ahead of you' : 'people ahead of you');
  const wait = (seconds) => {
    if (seconds < 60) return 'less than a minute';
    const minutes = Math.ceil(seconds / 60);
    if (minutes < 120) return minutes === 1 ? 'about 1 minute' : `about ${minutes} minutes`;
    return `about ${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
  };
  const percent = (pos) => {
    const from = Math.max(start, pos);
    return from === 0 ? 100 : Math.round((100 * (from - pos)) / from);
  };
  const clock = (date) => date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
  const stamp = (date) => {
    updated.dateTime = date.toISOString();
    updated.textContent = clock(date);
  };

  // The server's time of the first paint, in the person's own time zone.
  stamp(new Date(updated.dateTime));

  let done = false;
  function show(state) {
    if (done) return;
    if (state.status === 'ACTIVE') {
      done = true;
      connection.textContent = "it's your turn — taking you to the dates";
      location.assign(box.dataset.admittedUrl);
      return;
    }
    if (state.status !== shown) {
      // Drawn out of the pre-queue, EXPIRED, no pass any more, or an error: the page itself says what happened.
      done = true;
      location.reload();
      return;
    }
    if (shown === 'PREQUEUE') {
      stamp(new Date());
      return;
    }
    // Only a changed number is written, so the live region announces moves, not every update.
    if (position.textContent !== String(state.position)) {
      position.textContent = state.position;
      aheadLabel.textContent = aheadOfYou(state.position);
    }
    const p = percent(state.position);
    progress.setAttribute('aria-valuenow', p);
    progressFill.setAttribute('width', p);
    eta.dataset.seconds = state.estimatedWaitSeconds;
    eta.textContent = wait(state.estimatedWaitSeconds);
    stamp(new Date());
  }

  function poll() {
    if (done) return;
    connection.textContent = 'checking every 2 seconds';
    fetch(box.dataset.statusUrl, { headers: { Accept: 'application/json' } })
      .then((r) => r.json())
      .then((state) => { show(state); setTimeout(poll, 2000); })
      .catch(() => setTimeout(poll, 2000));
  }

  if (!('EventSource' in window)) {
    poll();
    return;
  }

  const source = new EventSource(box.dataset.eventsUrl);
  let failures = 0;
  source.addEventListener('open', () => { connection.textContent = 'live'; });
  source.addEventListener('status', (event) => {
    failures = 0;
    const state = JSON.parse(event.data);
    if (state.status !== shown) source.close();
    show(state);
  });
  source.addEventListener('error', () => {
    if (done) return;
    failures += 1;
    // CLOSED: the Web refused the stream (no pass, an ended one): EventSource will not retry. Otherwise it reconnects by itself.
    if (source.readyState === EventSource.CLOSED || failures >= 3) {
      source.close();
      poll();
    } else {
      connection.textContent = 'reconnecting…';
    }
  });
  window.addEventListener('pagehide', () => source.close());
})();
