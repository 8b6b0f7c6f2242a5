// The page's small helpers, loaded after the content (App.razor): the theme toggle's cookie, the skip link, focus after
// dialogs and after a control that goes away, scrolling tables the keyboard can reach.
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
  let opener = null;
  document.addEventListener("focusin", e => {
    if (e.target instanceof Element && !e.target.closest(dialogSelector) && !e.target.closest(".mud-popover")) lastFocused = e.target;
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

  // An action that removes or disables the control it was started from (Clear filters, End now, Newer back on the
  // first page, Create key, Revoke) would drop the focus to <body>: the keyboard user would start again at the top.
  // The focus goes to what is left beside it: the same control drawn anew, else the first control of its group, else
  // (the control gone) the page's content. Never further than its group: the next row's Revoke is not where anyone
  // meant to be.
  const focusable = "button, input, select, textarea, a[href], [tabindex]:not([tabindex='-1'])";
  const groupDepth = 3;
  let focused = null;
  let focusGroups = [];
  document.addEventListener("focusin", e => {
    // The page's content only: the app bar stays, a dialog has its own (above).
    focused = e.target instanceof Element && e.target.id !== "main-content" && e.target.closest("#main-content") ? e.target : null;
    focusGroups = [];
    for (let group = focused?.parentElement; group && focusGroups.length < groupDepth && group.id !== "main-content"; group = group.parentElement) {
      focusGroups.push(group);
    }
  });
  function usable(element) {
    const box = element.getBoundingClientRect();
    return !element.disabled && box.width > 0 && box.height > 0;
  }
  function rescueFocus() {
    const lost = focused;
    if (!lost || (document.activeElement && document.activeElement !== document.body) || (lost.isConnected && !lost.disabled)) return;
    if (document.querySelector(dialogSelector)) return;
    focused = null;
    const group = focusGroups.find(g => g.isConnected);
    if (group) {
      const testId = lost.getAttribute("data-testid");
      const same = testId ? [...group.querySelectorAll(`[data-testid="${CSS.escape(testId)}"]`)].find(usable) : null;
      const next = same ?? [...group.querySelectorAll(focusable)].find(e => e !== lost && usable(e));
      if (next) {
        next.focus();
        return;
      }
    }
    // Nothing usable beside it (Scale while the rollout it started runs, Run now while its run runs): the content, so
    // the focus is never on <body> and a screen reader is not left nowhere.
    document.getElementById("main-content")?.focus();
  }
  // The browser lets go of a disabled control's focus when it next renders, not when the attribute changes.
  let rescueQueued = false;
  function queueRescue() {
    if (rescueQueued || !focused) return;
    rescueQueued = true;
    requestAnimationFrame(() => setTimeout(() => {
      rescueQueued = false;
      rescueFocus();
    }));
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
      for (const record of records) {
        for (const node of record.addedNodes) if (isDialog(node) && !opener) opener = lastFocused;
        for (const node of record.removedNodes) if (isDialog(node)) requestAnimationFrame(restoreFocus);
      }
      queueRescue();
    }).observe(document.body, { childList: true, subtree: true, attributes: true, attributeFilter: ["disabled"] });
  });
})();
