using System.Diagnostics;

namespace Webordinary.Dashboard.Deploy.Tests;

/// <summary>cfn-lint (installed with the machine's Python, next to moto) finds no error in the template.</summary>
public sealed class CfnLintTests
{
    [Fact]
    public async Task Cfn_lint_finds_no_error_in_the_template()
    {
        var template = SynthesizedTemplate.Shared.FilePath;
        // Errors (E) fail; warnings (W) and informational findings (I) are printed for the reviewer.
        using var lint = Process.Start(new ProcessStartInfo("cfn-lint", ["--format", "parseable", "--", template])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        }) ?? throw new InvalidOperationException("cfn-lint did not start");
        var output = lint.StandardOutput.ReadToEndAsync();
        var errors = lint.StandardError.ReadToEndAsync();
        await lint.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));
        var findings = (await output).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.True(string.IsNullOrWhiteSpace(await errors), await errors);
        Assert.DoesNotContain(findings, f => f.Split(':') is [_, _, _, _, _, var rule, ..] && rule.StartsWith('E'));
        // cfn-lint exits 2 for an error, 4 for a warning, 8 for informational findings (bit flags).
        Assert.True((lint.ExitCode & 2) == 0 && (lint.ExitCode & 1) == 0, $"cfn-lint exited {lint.ExitCode}:\n{string.Join('\n', findings)}");
    }
}
