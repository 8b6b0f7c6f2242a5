using System.Diagnostics;
using Webordinary.Dashboard.Notifications;
using Webordinary.Dashboard.Probes.Feed;
using Webordinary.Dashboard.Probes.Health;
using Webordinary.Dashboard.Probes.Model;
using Webordinary.Dashboard.Sandbox;
using Webordinary.Dashboard.Testing;

namespace Webordinary.Dashboard.Benchmarks;

/// <summary>
/// Notifications. <b>Fault → webhook</b>: the session table (5 s interval, flap damping as shipped) with two session
/// flows that need it (5 s); <c>dynamodb</c> goes down at a chosen phase of the interval, and the webhook receiver's
/// "opened" (one message, the flows listed) is timed from the injection, beside the detect time (the incident opening:
/// the root cause Down); then the fault is cleared and the "resolved" awaited. <b>Slow receiver</b>: a webhook that
/// takes 1 s to answer gets a burst of 30 messages while a probe runs every second and a second, fast channel gets
/// its own: the slow channel's throughput, the fast one's latency, and the probe's start gaps during the burst.
/// </summary>
public static class NotifyBenchmark
{
    public const string Name = "notify";

    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(30);

    public static async Task<IReadOnlyList<BenchmarkRow>> RunAsync(BenchmarkContext context)
    {
        var rows = new List<BenchmarkRow>();
        rows.Add(await FaultToWebhookAsync(context));
        rows.AddRange(await SlowReceiverAsync(context));
        return rows;
    }

    private static async Task<BenchmarkRow> FaultToWebhookAsync(BenchmarkContext context)
    {
        var injections = context.Quick ? 4 : 20;
        await using var receiver = await NotificationReceiver.StartAsync();
        var settings = DashboardHost.BaseSettings();
        settings["Notifications:SandboxInbox"] = "false";
        settings["Notifications:Channels:ops:Kind"] = "Webhook";
        settings["Notifications:Channels:ops:Url"] = receiver.Url().ToString();
        settings["Notifications:Channels:ops:Secret"] = "benchmark-secret-0123456789";
        settings["Notifications:Channels:ops:RateLimit"] = "600";
        foreach (var (id, kind) in new[] { (PlatformProbes.Dynamo, "DynamoDbTable"), (PlatformProbes.Routing, "SessionRouting"), (PlatformProbes.Concurrent, "SessionConcurrent") })
        {
            DashboardHost.AddProbe(settings, id, kind, interval: "00:00:05", timeout: "00:00:04");
            settings[$"Dashboard:Probes:{id}:RecoveryInterval"] = "00:00:04";
        }

        await using var host = await DashboardHost.StartAsync(settings);
        var faults = host.Get<FaultInjector>();
        var tracker = host.Get<ProbeHealthTracker>();
        using var recorder = new FeedRecorder(host.Get<ProbeStatusFeed>());
        long? openedAt = null;
        tracker.Changed += change =>
        {
            if (change.Kind == IncidentChangeKind.Opened && change.Incident.RootCause == PlatformProbes.Dynamo)
            {
                openedAt = Stopwatch.GetTimestamp();
            }
        };
        var toWebhook = new List<double>();
        var detect = new List<double>();
        var afterDetect = new List<double>();
        var affected = new List<int>();
        string? problem = null;
        try
        {
            await recorder.WaitForAsync<RunCompletedEvent>(e => e.Run.ProbeId == PlatformProbes.Routing && e.Run.Outcome == ProbeOutcome.Pass, StepTimeout);
            for (var i = 0; i < injections; i++)
            {
                // The injection's phase within the interval after the table's last Pass: every phase of the schedule is covered.
                var lastPass = await recorder.WaitForAsync<RunCompletedEvent>(e => e.Run.ProbeId == PlatformProbes.Dynamo && e.Run.Outcome == ProbeOutcome.Pass
                    && e.Run.StartedAt > DateTimeOffset.UtcNow - Interval, StepTimeout);
                await Task.Delay(Interval * i / injections);
                var before = receiver.Received.Count;
                openedAt = null;
                var injected = Stopwatch.GetTimestamp();
                faults.Set(SandboxComponents.DynamoDb, new FaultSetting(FaultMode.Down));
                var received = await receiver.WaitForAsync(r => r.Count > before, StepTimeout);
                var arrived = Stopwatch.GetTimestamp();
                var opened = received[before];
                if (opened.Headers["X-Webordinary-Event"] != "opened" || openedAt is not { } detected)
                {
                    throw new InvalidOperationException($"injection {i}: expected an opened message, got {opened.Headers["X-Webordinary-Event"]}");
                }

                toWebhook.Add(Stats.ElapsedMs(injected, arrived));
                detect.Add(Stats.ElapsedMs(injected, detected));
                afterDetect.Add(Stats.ElapsedMs(detected, arrived));
                affected.Add(System.Text.Json.JsonDocument.Parse(opened.Body).RootElement.GetProperty("incident").GetProperty("affectedProbes").GetArrayLength());
                faults.Set(SandboxComponents.DynamoDb, FaultSetting.None);
                await receiver.WaitForAsync(r => r.Count > before + 1, StepTimeout);
                if (receiver.Received.Count != before + 2)
                {
                    throw new InvalidOperationException($"injection {i}: {receiver.Received.Count - before} messages, not opened + resolved");
                }
            }
        }
        catch (Exception exception) when (exception is TimeoutException or InvalidOperationException)
        {
            problem = exception.Message;
        }
        finally
        {
            faults.ClearAll();
        }

        context.Log($"notify: {toWebhook.Count} injections, fault → webhook {Stats.Summary(toWebhook, 50, 99, 100)}, detect {Stats.Summary(detect, 50, 99, 100)}");
        var met = problem is null && toWebhook.Count == injections && Stats.Percentile(afterDetect, 99) <= 1000;
        var notes = $"{toWebhook.Count} injections at phases 0, 1/{injections}, … of the 5 s interval; detect (the root cause Down, its incident opened) {Stats.Summary(detect, 50, 99)}; "
            + $"webhook after detect {Stats.Summary(afterDetect, 50, 99, 100)} (the message waits for the flows the opening re-runs: {affected.DefaultIfEmpty().Min()}–{affected.DefaultIfEmpty().Max()} affected listed); "
            + "each cycle one opened and one resolved, nothing else" + (problem is null ? "" : $"; stopped early: {problem}");
        return new BenchmarkRow(Name, "DynamoDB down → webhook opened (table + 2 flows at 5 s, HMAC on)", Stats.Summary(toWebhook, 50, 99, 100),
            "p99 <= detect + 1 s", BenchmarkRow.YesNo(met), notes);
    }

    private static async Task<IReadOnlyList<BenchmarkRow>> SlowReceiverAsync(BenchmarkContext context)
    {
        var burst = context.Quick ? 10 : 30;
        await using var slow = await NotificationReceiver.StartAsync();
        slow.BeforeAnswer = token => Task.Delay(TimeSpan.FromSeconds(1), token);
        await using var fast = await NotificationReceiver.StartAsync();
        var settings = DashboardHost.BaseSettings();
        settings["Notifications:SandboxInbox"] = "false";
        foreach (var (name, receiver) in new[] { ("slow", slow), ("fast", fast) })
        {
            settings[$"Notifications:Channels:{name}:Kind"] = "Webhook";
            settings[$"Notifications:Channels:{name}:Url"] = receiver.Url().ToString();
            settings[$"Notifications:Channels:{name}:RateLimit"] = "600";
        }

        DashboardHost.AddProbe(settings, PlatformProbes.Hermes, "HermesHealth", interval: "00:00:01", timeout: "00:00:01");
        await using var host = await DashboardHost.StartAsync(settings);
        using var recorder = new FeedRecorder(host.Get<ProbeStatusFeed>());
        var center = host.Get<NotificationCenter>();
        await recorder.WaitForAsync<RunCompletedEvent>(e => e.Run.ProbeId == PlatformProbes.Hermes, StepTimeout);
        var burstStart = DateTimeOffset.UtcNow;
        var started = Stopwatch.GetTimestamp();
        var fastLatencies = new List<double>();
        for (var i = 0; i < burst; i++)
        {
            await center.SendTestAsync("slow", "benchmark", CancellationToken.None);
        }

        // The fast channel, one message a second while the slow one works through its queue.
        for (var i = 0; i < burst; i++)
        {
            var before = fast.Received.Count;
            var sent = Stopwatch.GetTimestamp();
            await center.SendTestAsync("fast", "benchmark", CancellationToken.None);
            await fast.WaitForAsync(r => r.Count > before, StepTimeout);
            fastLatencies.Add(Stats.ElapsedMs(sent, Stopwatch.GetTimestamp()));
            await Task.Delay(TimeSpan.FromSeconds(1));
        }

        await slow.WaitForCountAsync(burst, TimeSpan.FromSeconds(burst * 3));
        var slowSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var burstEnd = DateTimeOffset.UtcNow;
        var runs = recorder.Events.OfType<RunCompletedEvent>().Select(e => e.Run)
            .Where(r => r.ProbeId == PlatformProbes.Hermes && r.Trigger == RunTrigger.Schedule && r.StartedAt >= burstStart && r.StartedAt <= burstEnd)
            .OrderBy(r => r.StartedAt).ToList();
        var gaps = runs.Zip(runs.Skip(1), (a, b) => (b.StartedAt - a.StartedAt).TotalMilliseconds).ToList();
        var durations = runs.Select(r => r.DurationMs ?? 0).ToList();
        var throughput = burst / slowSeconds;
        context.Log($"notify slow: {burst} messages in {slowSeconds:0.0} s; fast {Stats.Summary(fastLatencies, 50, 99)}; probe gaps {Stats.Summary(gaps, 50, 99, 100)}");
        var probeMet = gaps.Count > 0 && Stats.Percentile(gaps, 100) <= 1500 && runs.All(r => r.Outcome == ProbeOutcome.Pass);
        return
        [
            new BenchmarkRow(Name, $"slow receiver (1 s an answer), {burst} messages", $"{throughput:0.00} messages/s; the fast channel meanwhile {Stats.Summary(fastLatencies, 50, 99, 100)}",
                "~1/s (one at a time, in order); the fast channel unaffected", BenchmarkRow.YesNo(throughput is > 0.8 and < 1.05 && Stats.Percentile(fastLatencies, 99) < 500),
                "a channel's messages go one at a time in order; each channel has its own loop"),
            new BenchmarkRow(Name, "probe runs during the slow burst (HermesHealth every 1 s)", $"start gaps {Stats.Summary(gaps, 50, 99, 100)}; durations {Stats.Summary(durations, 50, 99)}",
                "gaps <= 1.5 s, every run Pass", BenchmarkRow.YesNo(probeMet), $"{runs.Count} scheduled runs during the burst"),
        ];
    }
}
