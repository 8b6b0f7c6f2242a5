// The browser's time zone, for the times the dashboard shows (BrowserTimeProvider). Written to a cookie on every load
// so that the next page is prerendered in it, and read by the circuit when it starts (the first visit has no cookie).
(() => {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  // An IANA id ("Pacific/Auckland") needs no escaping in a cookie; anything else is left out.
  if (zone && /^[A-Za-z0-9/_+-]{1,64}$/.test(zone)) {
    document.cookie = `webordinary-tz=${zone}; path=/; max-age=31536000; samesite=lax`;
  }
  window.webordinaryTime = { zone: () => zone };
})();
