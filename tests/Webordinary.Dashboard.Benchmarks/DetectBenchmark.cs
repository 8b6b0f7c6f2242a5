using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR.Client;
using Webordinary.Dashboard.Api;
using Webordinary.Dashboard.Hubs;
using Webordinary.Dashboard.Probes.Connectivity;
using Webordinary.Dashboard.Sandbox;
using Webordinary.Dashboard.Testing;

namespace Webordinary.Dashboard.Benchmarks;

/// <summary>
/// Time to detect: <c>FaultInjector.Set("hermes", Down)</c> → a hub client receives <c>HealthChanged</c> to Down for
/// the HermesHealth probe (5 s interval), with flap damping on as shipped (Down after 2 failures in a row, the second
/// one an immediate confirm run). Each cycle: the probe is Up, the fault goes in at a chosen point of the interval
/// after a Pass (spread evenly over the interval across the cycles, so the figures cover every phase of the
/// schedule), Down is awaited, the fault is cleared and Up awaited.
/// </summary>
public static class DetectBenchmark
{
    public const string Name = "detect";

    private const string ProbeId = "hermes-health";
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Target = Interval + TimeSpan.FromSeconds(2);
    private static readonly TimeSpan OutcomeTimeout = Interval + TimeSpan.FromSeconds(10);
    private static readonly TimeSpan MeasureLimit = TimeSpan.FromMinutes(3);

    /// <summary>A RunCompleted (Outcome) or a HealthChanged (Health) of the probe, stamped on arrival.</summary>
    private sealed record Completion(long At, string Outcome);

    public static async Task<IReadOnlyList<BenchmarkRow>> RunAsync(BenchmarkContext context)
    {
        var injections = context.Quick ? 3 : 10;
        var settings = DashboardHost.BaseSettings();
        DashboardHost.AddProbe(settings, ProbeId, HermesHealthProbe.KindName, interval: "00:00:05", timeout: "00:00:04");
        await using var host = await DashboardHost.StartAsync(settings);
        var faults = host.Get<FaultInjector>();
        var completions = Channel.CreateUnbounded<Completion>();
        await using var connection = StatusHubClients.Create(host);
        connection.On<RunDto>(nameof(IStatusHubClient.RunCompleted), run =>
        {
            var at = Stopwatch.GetTimestamp();
            if (run.ProbeId == ProbeId)
            {
                completions.Writer.TryWrite(new Completion(at, run.Outcome));
            }
        });
        connection.On<HealthChangedDto>(nameof(IStatusHubClient.HealthChanged), change =>
        {
            var at = Stopwatch.GetTimestamp();
            if (change.ProbeId == ProbeId)
            {
                completions.Writer.TryWrite(new Completion(at, "health:" + change.Health));
            }
        });
        await connection.StartAsync();

        var detections = new List<double>();
        var firstFailures = new List<double>();
        string? problem = null;
        var limit = Stopwatch.StartNew();
        try
        {
            await WaitForOutcomeAsync(completions.Reader, "Pass");
            for (var i = 0; i < injections && limit.Elapsed < MeasureLimit; i++)
            {
                // The injection's phase within the interval; a deliberate offset, not a wait for anything.
                await Task.Delay(Interval * i / injections);
                while (completions.Reader.TryRead(out _))
                {
                }

                var injectedAt = Stopwatch.GetTimestamp();
                faults.Set(SandboxComponents.Hermes, new FaultSetting(FaultMode.Down));
                var fail = await WaitForOutcomeAsync(completions.Reader, "Fail");
                var down = await WaitForOutcomeAsync(completions.Reader, "health:Down");
                firstFailures.Add(Stats.ElapsedMs(injectedAt, fail.At));
                detections.Add(Stats.ElapsedMs(injectedAt, down.At));
                faults.Set(SandboxComponents.Hermes, FaultSetting.None);
                await WaitForOutcomeAsync(completions.Reader, "health:Up");
            }
        }
        catch (TimeoutException exception)
        {
            problem = exception.Message;
        }
        finally
        {
            faults.ClearAll();
        }

        context.Log($"detect: {detections.Count} injections, {Stats.Summary(detections, 50, 100)}");
        var met = problem is null && detections.Count > 0 && detections.Max() <= Target.TotalMilliseconds;
        var notes = $"{detections.Count} injections at phases 0, 1/{injections}, … of the interval after a Pass; min {Stats.Ms(detections.DefaultIfEmpty(double.NaN).Min())} ms; "
            + $"flap damping as shipped (FailuresToDown 2, the confirm run at once): the first failed run arrived after {Stats.Summary(firstFailures, 50, 100)}, Down after the confirm run failed too"
            + (problem is null ? "" : $"; stopped early: {problem}");
        return [new BenchmarkRow(Name, "HermesHealth, 5 s interval, hermes down → HealthChanged Down", Stats.Summary(detections, 50, 90, 100),
            $"every detection <= interval + 2 s = {Target.TotalSeconds:0} s", BenchmarkRow.YesNo(met), notes)];
    }

    /// <summary>The next RunCompleted of the probe with this outcome; others (a run that straddled a change) are skipped.</summary>
    private static async Task<Completion> WaitForOutcomeAsync(ChannelReader<Completion> completions, string outcome)
    {
        using var timeout = new CancellationTokenSource(OutcomeTimeout);
        try
        {
            while (true)
            {
                var completion = await completions.ReadAsync(timeout.Token);
                if (completion.Outcome == outcome)
                {
                    return completion;
                }
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            throw new TimeoutException($"no {outcome} run of {ProbeId} within {OutcomeTimeout.TotalSeconds:0} s");
        }
    }
}
