// Lost connection: everything on the page is as old as the connection (statuses greyed and marked stale, "lost 12 s
// ago", actions disabled, see app.css), a banner says so, and it keeps trying. When the server is back but no longer knows this circuit
// (the dashboard restarted), reload so the page starts over from the current state instead of a dead one.
(() => {
  const retryMs = 1000;
  let banner;
  let retrying = false;
  let lostAt = null;
  let lostTicker = null;
  let attempts = 0;
  const offlineMark = "data-disabled-offline";

  function showBanner(text) {
    if (!banner) {
      banner = document.createElement("div");
      banner.id = "connection-banner";
      banner.setAttribute("role", "status");
      document.body.appendChild(banner);
    }
    banner.textContent = text;
    banner.hidden = false;
  }

  function lostText() {
    const seconds = Math.max(0, Math.round((Date.now() - lostAt) / 1000));
    return `Connection to the dashboard lost ${seconds} s ago — ${attempts > 0 ? `retrying (attempt ${attempts})` : "reconnecting"}…`;
  }

  // The circuit renders nothing while it is down, so the attributes set here are the only changes to undo.
  function markStale() {
    if (lostAt !== null) return;
    lostAt = Date.now();
    attempts = 0;
    document.documentElement.dataset.connection = "lost";
    for (const status of document.querySelectorAll(".status-chip")) {
      status.setAttribute("data-stale", "true");
      status.setAttribute("title", "Connection lost: this status may be out of date");
    }
    // The page's controls, an open dialog's (Scale, Maintenance) and the app bar's (menu, theme): all need the circuit.
    for (const control of document.querySelectorAll(":is(main, .mud-dialog-container, .mud-appbar) :is(button, input, textarea):not([disabled])")) {
      control.disabled = true;
      control.setAttribute(offlineMark, "");
    }
    showBanner(lostText());
    lostTicker = setInterval(() => showBanner(lostText()), 1000);
  }

  function markLive() {
    if (lostAt === null) return;
    lostAt = null;
    clearInterval(lostTicker);
    delete document.documentElement.dataset.connection;
    for (const status of document.querySelectorAll(".status-chip[data-stale]")) {
      status.removeAttribute("data-stale");
      status.removeAttribute("title");
    }
    for (const control of document.querySelectorAll(`[${offlineMark}]`)) {
      control.disabled = false;
      control.removeAttribute(offlineMark);
    }
    if (banner) banner.hidden = true;
  }

  async function retry() {
    if (retrying) return;
    retrying = true;
    for (let attempt = 1; ; attempt++) {
      await new Promise(resolve => setTimeout(resolve, retryMs));
      try {
        const reconnected = await Blazor.reconnect();
        if (!reconnected) {
          clearInterval(lostTicker);
          showBanner("Dashboard restarted — reloading…");
          location.reload();
        }
        break;
      } catch {
        attempts = attempt;
        showBanner(lostText());
      }
    }
    retrying = false;
  }

  let started = false;
  function start() {
    if (started) return;
    started = true;
    Blazor.start({
      circuit: {
        reconnectionHandler: {
          onConnectionDown: () => {
            markStale();
            retry();
          },
          onConnectionUp: () => markLive(),
        },
      },
    });
  }

  // The page is prerendered: start the circuit once it is on screen (its first paint), so that the circuit's first
  // render (the whole page again, from the server) does not hold up that paint. A page that is not painted (a
  // background tab) starts after half a second.
  if (performance.getEntriesByType("paint").length > 0) {
    start();
  } else {
    new PerformanceObserver((_, observer) => { observer.disconnect(); start(); }).observe({ type: "paint", buffered: true });
    setTimeout(start, 500);
  }
})();
