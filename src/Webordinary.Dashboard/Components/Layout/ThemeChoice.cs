namespace Webordinary.Dashboard.Components.Layout;

/// <summary>
/// Light or dark, decided on the server so the first HTML already has the right theme (no white flash before the
/// circuit starts): the user's toggle (a cookie), else what the browser said the operating system prefers — the
/// <c>wd-os-theme</c> cookie that js/page.js keeps current from <c>prefers-color-scheme</c> on every load, or
/// Chromium's <c>Sec-CH-Prefers-Color-Scheme</c> client hint on a first visit — else light.
/// </summary>
public static class ThemeChoice
{
    public const string Light = "light";
    public const string Dark = "dark";

    /// <summary>Set by the theme toggle (js/page.js): the user's own choice, kept a year.</summary>
    public const string ChoiceCookie = "wd-theme";

    /// <summary>Set by js/page.js on every load from the browser's prefers-color-scheme.</summary>
    public const string SystemCookie = "wd-os-theme";

    public const string ClientHint = "Sec-CH-Prefers-Color-Scheme";

    public static bool IsDark(HttpRequest request) =>
        Parse(request.Cookies[ChoiceCookie]) ?? Parse(request.Cookies[SystemCookie]) ?? Parse(request.Headers[ClientHint].ToString().Trim('"')) ?? false;

    private static bool? Parse(string? value) => value switch
    {
        Dark => true,
        Light => false,
        _ => null,
    };

    /// <summary>
    /// The first thing in the page's head, inline (with the page's CSP nonce) so that it blocks nothing: writes the
    /// OS preference to <see cref="SystemCookie"/> for the next request and, when the server guessed wrong (a first
    /// visit, or the OS switched since) and the user chose nothing, hides the page and reloads it once before anything
    /// is painted, instead of flashing the wrong theme. Once per address a session, in case cookies are refused.
    /// </summary>
    public const string Script = """
        (() => {
          const root = document.documentElement;
          const system = matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
          document.cookie = "wd-os-theme=" + system + "; path=/; max-age=31536000; SameSite=Lax";
          const chosen = /(?:^|; )wd-theme=/.test(document.cookie);
          const stored = document.cookie.includes("wd-os-theme=" + system);
          const mark = "wd-theme-reload";
          if (!chosen && stored && root.dataset.theme !== system && sessionStorage.getItem(mark) !== location.href) {
            sessionStorage.setItem(mark, location.href);
            root.style.visibility = "hidden";
            location.reload();
          } else {
            sessionStorage.removeItem(mark);
          }
        })();
        """;

    /// <summary>Asks Chromium for the hint on the first request already (Critical-CH makes it retry with it).</summary>
    public static void AskForHint(HttpResponse response)
    {
        response.Headers["Accept-CH"] = ClientHint;
        response.Headers["Critical-CH"] = ClientHint;
        response.Headers.Append("Vary", ClientHint);
    }
}
