// Lost connection: show a banner and keep trying. When the server is back but no longer knows this circuit
// (the dashboard restarted), reload so the page starts over from the current state instead of a dead one.
(() => {
  const retryMs = 1000;
  let banner;
  let retrying = false;

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

  async function retry() {
    if (retrying) return;
    retrying = true;
    for (let attempt = 1; ; attempt++) {
      await new Promise(resolve => setTimeout(resolve, retryMs));
      try {
        const reconnected = await Blazor.reconnect();
        if (!reconnected) {
          showBanner("Dashboard restarted — reloading…");
          location.reload();
        }
        break;
      } catch {
        showBanner(`Connection to the dashboard lost — retrying (attempt ${attempt})…`);
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
            showBanner("Connection to the dashboard lost — reconnecting…");
            retry();
          },
          onConnectionUp: () => {
            if (banner) banner.hidden = true;
          },
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
