namespace Webordinary.Dashboard.Security;

/// <summary>
/// Folds repeated attempts into one audit entry (and one log line) a minute: the first attempt of a key — an actor
/// and an action, or a client address — in <see cref="Window"/> is written, with how many were folded since the one
/// before; the rest of the window only count. A script that keeps trying (a denied role, a cooling-down Run now, a
/// wrong API key) cannot bury the log or grow it by thousands of rows. What it keeps is this process's own noise,
/// so it lives in this process's memory: each instance writes at most one entry a key a minute.
/// </summary>
public sealed class AuditFolding(TimeProvider time)
{
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    /// <summary>Beyond this many keys, those whose window has passed are forgotten (their folded counts go unsaid).</summary>
    public const int MaxKeys = 10_000;

    private readonly Dictionary<string, (DateTimeOffset Since, int Folded)> _windows = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <param name="Write">This attempt is the first of its window: write its entry.</param>
    /// <param name="FoldedBefore">Attempts folded since the entry written last (say so in this one).</param>
    /// <param name="InWindow">Attempts in the current window, this one included.</param>
    /// <param name="WindowEnds">When the next attempt is written again.</param>
    public readonly record struct Verdict(bool Write, int FoldedBefore, int InWindow, DateTimeOffset WindowEnds);

    public Verdict Admit(string key)
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            if (_windows.TryGetValue(key, out var last) && now - last.Since < Window)
            {
                _windows[key] = last with { Folded = last.Folded + 1 };
                return new(false, 0, last.Folded + 2, last.Since + Window);
            }

            if (_windows.Count >= MaxKeys)
            {
                foreach (var stale in _windows.Where(w => now - w.Value.Since >= Window).Select(w => w.Key).ToList())
                {
                    _windows.Remove(stale);
                }
            }

            _windows[key] = (now, 0);
            return new(true, last.Folded, 1, now + Window);
        }
    }

    /// <summary>The attempts in <paramref name="key"/>'s current window (0 when it has none open).</summary>
    public int InWindow(string key)
    {
        lock (_gate)
        {
            return _windows.TryGetValue(key, out var last) && time.GetUtcNow() - last.Since < Window ? last.Folded + 1 : 0;
        }
    }
}
