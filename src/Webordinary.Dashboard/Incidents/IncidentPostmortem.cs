using System.Globalization;
using System.Text;
using Webordinary.Dashboard.Notifications;
using Webordinary.Dashboard.Probes.Running;

namespace Webordinary.Dashboard.Incidents;

/// <summary>
/// An incident as Markdown to paste into a postmortem: the summary, the timeline, the notes and the failing runs' steps. Times in
/// UTC. Text from runs and receivers (reasons, messages, errors) is escaped, so it cannot break the document's structure.
/// </summary>
public static class IncidentPostmortem
{
    public const string ContentType = "text/markdown; charset=utf-8";

    public static string Write(IncidentView view)
    {
        var md = new StringBuilder();
        md.Append("# Incident: ").Append(Escape(view.RootCause)).Append(" down\n\n");
        md.Append("## Summary\n\n");
        md.Append("- **Root cause:** ").Append(Escape(view.RootCause)).Append('\n');
        md.Append("- **Status:** ").Append(view.Status).Append(view.EndReason is { } why ? $" ({Escape(why)})" : "").Append('\n');
        if (view.Acknowledged is { } acknowledged)
        {
            md.Append("- **Acknowledged:** by ").Append(Escape(acknowledged.Actor)).Append(" at ").Append(Time(acknowledged.At)).Append('\n');
        }

        md.Append("- **Start:** ").Append(Time(view.StartedAt)).Append('\n');
        md.Append("- **End:** ").Append(view.EndedAt is { } ended ? Time(ended) : "still open").Append('\n');
        md.Append("- **Duration:** ").Append(Durations.Format(view.Duration)).Append(view.IsOpen ? " so far" : "").Append('\n');
        md.Append("- **Detection time:** ")
            .Append(view.DetectionTime is { } detection ? $"{Durations.Format(detection)} (first failing run minus last passing run)" : "unknown (no passing run stored before it)")
            .Append('\n');
        var affected = view.Probes.Where(p => !p.IsRootCause).Select(p => Escape(p.ProbeId)).ToList();
        md.Append("- **Affected probes:** ").Append(affected.Count == 0 ? "none besides the root cause" : string.Join(", ", affected)).Append('\n');
        if (view.FailedStep is { } step)
        {
            md.Append("- **First failing step:** ").Append(Escape(step)).Append('\n');
        }

        if (view.Reason is { } reason)
        {
            md.Append("- **Reason:** ").Append(Escape(reason)).Append('\n');
        }

        md.Append("\n## Timeline\n\n| Time (UTC) | Event | Actor | What |\n|---|---|---|---|\n");
        foreach (var entry in view.Timeline)
        {
            md.Append("| ").Append(Time(entry.At)).Append(" | ").Append(entry.Kind).Append(" | ").Append(Escape(entry.Actor)).Append(" | ")
                .Append(Escape(entry.Text)).Append(" |\n");
        }

        md.Append("\n## Notes\n");
        if (view.Notes.Count == 0)
        {
            md.Append("\nNone written.\n");
        }

        foreach (var note in view.Notes)
        {
            md.Append("\n**").Append(Time(note.CreatedAt)).Append(" · ").Append(Escape(note.Author)).Append("**")
                .Append(note.EditedAt is { } edited ? $" (edited {Time(edited)})" : "").Append("\n\n");
            foreach (var line in note.Text.ReplaceLineEndings("\n").Split('\n'))
            {
                md.Append("> ").Append(EscapeLineStart(Escape(line))).Append('\n');
            }
        }

        md.Append("\n## Failing runs\n");
        if (view.FailingRuns.Count == 0)
        {
            md.Append("\nNone stored.\n");
        }

        foreach (var run in view.FailingRuns)
        {
            md.Append("\n### ").Append(Time(run.StartedAt)).Append(" · run ").Append(Escape(run.Id)).Append("\n\n");
            if (run.Message is { } message)
            {
                md.Append("Message: ").Append(Escape(message)).Append("\n\n");
            }

            md.Append("| # | Step | Outcome | Duration | Detail |\n|---|---|---|---|---|\n");
            var number = 0;
            foreach (var s in run.Steps)
            {
                var detail = Escape(s.Failure is { } failure ? ProbeRunner.FormatFailure(failure) : s.Detail ?? "");
                md.Append("| ").Append(++number).Append(" | ").Append(Escape(s.Name)).Append(" | ").Append(s.Outcome).Append(" | ")
                    .Append(Math.Round(s.DurationMs).ToString(CultureInfo.InvariantCulture)).Append(" ms | ").Append(detail).Append(" |\n");
            }
        }

        return md.ToString();
    }

    /// <summary>
    /// Text on one line with the characters that make Markdown or HTML inline (emphasis, code, links, table cells,
    /// tags, entities) backslash-escaped, so it shows as written. It is never put at the start of a line, where
    /// headings and lists begin.
    /// </summary>
    public static string Escape(string text)
    {
        var escaped = new StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            if (c is '\r' or '\n' or '\t')
            {
                escaped.Append(' ');
            }
            else if (char.IsControl(c))
            {
                // Nothing: a control character has no place in a document.
            }
            else
            {
                if (c is '\\' or '`' or '*' or '_' or '[' or ']' or '<' or '>' or '|' or '~' or '&')
                {
                    escaped.Append('\\');
                }

                escaped.Append(c);
            }
        }

        return escaped.ToString();
    }

    /// <summary>A line that would start a heading, list or rule (<c>#</c>, <c>-</c>, <c>+</c>, <c>=</c>) starts with a backslash instead.</summary>
    private static string EscapeLineStart(string line) => line.TrimStart() is ['#' or '-' or '+' or '=', ..] ? "\\" + line.TrimStart() : line;

    private static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
}
