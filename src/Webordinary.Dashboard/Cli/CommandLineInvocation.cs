using System.CommandLine;

namespace Webordinary.Dashboard.Cli;

/// <summary>How the dashboard's commands run their parsed arguments: parse errors on standard error and exit 2, else the command's action.</summary>
internal static class CommandLineInvocation
{
    public const int BadUsage = 2;

    /// <param name="helpHint">The help to point at after a parse error, e.g. <c>probe run --help</c>.</param>
    public static async Task<int> InvokeAsync(RootCommand root, string[] args, TextWriter output, TextWriter error, string helpHint)
    {
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var parseError in parsed.Errors)
            {
                await error.WriteLineAsync($"error: {parseError.Message}");
            }

            await error.WriteLineAsync($"Try: {helpHint}");
            return BadUsage;
        }

        return await parsed.InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
    }
}
