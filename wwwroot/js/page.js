// The page's small helpers, loaded after the content (App.razor): the theme toggle's cookie, the skip link, focus after
// dialogs, scrolling tables the keyboard can reach.
(() => {
  const root = document.documentElement;
  const year = 60 * 60 * 24 * 365;
  const dark = "dark", light = "light";

  function setCookie(name, value) {
    document.cookie = `${name}=${value}; path=/; max-age=${year}; SameSite=Lax`;
  }

  // The operating system's preference is kept current by the inline script in App.razor (ThemeChoice.Script); an
  // OS switch while the page is open counts from the next page.
  const system = matchMedia("(prefers-color-scheme: dark)");
  system.addEventListener("change", () => setCookie("wd-os-theme", system.matches ? dark : light));

  window.dashboardPage = {
    /** The theme toggle: remembered for a year, read by the next page's prerender. */
    rememberTheme(theme) {
      setCookie("wd-theme", theme === dark ? dark : light);
      root.dataset.theme = theme === dark ? dark : light;
    },
  };

  // The skip link focuses the page's content itself: Blazor's navigation would only scroll to it.
  document.addEventListener("click", e => {
    if (!(e.target instanceof Element) || !e.target.closest("a.skip-link")) return;
    e.preventDefault();
    e.stopImmediatePropagation();
    const main = document.getElementById("main-content");
    main?.focus();
    main?.scrollIntoView();
  }, true);

  // Focus back to what opened a dialog (Scale, Maintenance…) when it closes; MudBlazor leaves it on <body>.
  const dialogSelector = ".mud-dialog-container";
  let lastFocused = null;
  let focused = null;
  let opener = null;
  document.addEventListener("focusin", e => {
    if (!(e.target instanceof Element)) return;
    focused = e.target;
    if (!e.target.closest(dialogSelector) && !e.target.closest(".mud-popover")) lastFocused = e.target;
  });
  const isDialog = node => node.nodeType === 1 && (node.matches(dialogSelector) || node.querySelector(dialogSelector) !== null);
  // MudBlazor's focus trap gives the focus back to what was focused when it started, which is not always the opener
  // (a Tab pressed as the dialog opened): the opener wins; when it is gone or disabled (a rollout started), the content.
  function restoreFocus() {
    if (document.querySelector(dialogSelector)) return;
    const target = opener;
    opener = null;
    if (target && target.isConnected && !target.disabled) {
      if (document.activeElement !== target) target.focus();
    } else if (!document.activeElement || document.activeElement === document.body) {
      document.getElementById("main-content")?.focus();
    }
  }

  // The focused control disabled or taken away by a re-render (Scale while a rollout runs): the browser drops the
  // focus to <body>, and the next Tab would start from the top of the page. The content keeps it instead.
  function keepFocusInContent() {
    const lost = focused;
    if (!lost || document.querySelector(dialogSelector)) return;
    if (lost.isConnected && !lost.disabled) return;
    if (document.activeElement === lost || !document.activeElement || document.activeElement === document.body) {
      focused = null;
      document.getElementById("main-content")?.focus();
    }
  }

  // A table wider than its paper scrolls inside it (a phone): the keyboard must reach it to scroll it too.
  let tablesQueued = false;
  function markScrollingTables() {
    tablesQueued = false;
    for (const container of document.querySelectorAll(".mud-table-container")) {
      if (container.scrollWidth > container.clientWidth + 1) container.setAttribute("tabindex", "0");
      else if (container.getAttribute("tabindex") === "0") container.removeAttribute("tabindex");
    }
  }
  function queueTables() {
    if (tablesQueued) return;
    tablesQueued = true;
    requestAnimationFrame(markScrollingTables);
  }

  document.addEventListener("DOMContentLoaded", () => {
    markScrollingTables();
    addEventListener("resize", queueTables);
    new MutationObserver(records => {
      queueTables();
      let closed = false;
      for (const record of records) {
        for (const node of record.addedNodes) if (isDialog(node) && !opener) opener = lastFocused;
        for (const node of record.removedNodes) if (isDialog(node)) closed = true;
      }
      if (closed) requestAnimationFrame(restoreFocus);
      else keepFocusInContent();
    }).observe(document.body, { childList: true, subtree: true, attributes: true, attributeFilter: ["disabled"] });
  });
})();
