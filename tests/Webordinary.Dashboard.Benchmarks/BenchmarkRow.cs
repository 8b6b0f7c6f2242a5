namespace Webordinary.Dashboard.Benchmarks;

/// <summary>One line of the results table. <see cref="Met"/> is yes, no, n/a (no target) or error.</summary>
public sealed record BenchmarkRow(string Benchmark, string Parameter, string Measured, string Target, string Met, string Notes)
{
    public static string YesNo(bool met) => met ? "yes" : "no";

    public static BenchmarkRow Error(string benchmark, string parameter, string target, string error) =>
        new(benchmark, parameter, "not measured", target, "error", error);
}

/// <summary>What every benchmark gets: the mode and a progress log (stderr, so stdout stays the table).</summary>
public sealed record BenchmarkContext(bool Quick)
{
    public void Log(string message) => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {message}");
}
