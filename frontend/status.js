// The public status pages' only script: times in the reader's zone, and the page kept
// current while it is open. The server renders every page (readable without JavaScript);
// this re-reads it from the server's memory cache when `/live/status` says it changed, so a
// customer's browser loads a few KB instead of the internal app's WASM.
const format = new Intl.DateTimeFormat(undefined, {
  year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit',
});

function localise(root) {
  for (const t of root.querySelectorAll('time[datetime]')) {
    const at = new Date(t.getAttribute('datetime'));
    if (!Number.isNaN(at.getTime())) t.textContent = format.format(at);
  }
}

let busy = false;
let again = false;

// Fetches this page again (a 304 when nothing changed) and swaps in its main part.
async function refresh() {
  if (busy) { again = true; return; }
  busy = true;
  try {
    do {
      again = false;
      const r = await fetch(location.pathname + location.search, { cache: 'no-cache', headers: { accept: 'text/html' } });
      if (!r.ok) continue;
      const next = new DOMParser().parseFromString(await r.text(), 'text/html');
      const fresh = next.querySelector('main');
      const shown = document.querySelector('main');
      if (!fresh || !shown) continue;
      localise(fresh);
      if (fresh.outerHTML !== shown.outerHTML) {
        shown.replaceWith(document.adoptNode(fresh));
        if (next.title) document.title = next.title;
      }
    } while (again);
  } catch (_) {
    // offline for a moment: the next event tries again
  } finally {
    busy = false;
  }
}

function connect() {
  const source = new EventSource('/live/status');
  source.addEventListener('status', refresh);
  source.onerror = () => {
    // the browser reconnects by itself unless the server refused the stream
    if (source.readyState === EventSource.CLOSED) setTimeout(connect, 5000);
  };
}

localise(document);
connect();
document.body.dataset.hydrated = 'true';
