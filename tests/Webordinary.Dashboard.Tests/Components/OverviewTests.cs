using Webordinary.Dashboard.Storage.Changes;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using MudBlazor.Services;
using Webordinary.Dashboard.Components;
using Webordinary.Dashboard.Components.Controls;
using Webordinary.Dashboard.Probes.Health;
using Webordinary.Dashboard.Probes.Maintenance;
using Webordinary.Dashboard.Storage;
using Webordinary.Dashboard.Storage.Sqlite;
using Webordinary.Dashboard.Components.Pages;
using Webordinary.Dashboard.Probes.Feed;
using Webordinary.Dashboard.Probes.Model;
using Webordinary.Dashboard.Probes.Scheduling;

namespace Webordinary.Dashboard.Tests.Components;

/// <summary>The overview re-renders from the live feed alone: push into the feed, wait for the markup.</summary>
public sealed class OverviewTests
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.UtcNow.AddMinutes(-1);

    [Fact]
    public async Task Row_follows_a_run_from_started_through_steps_to_its_result()
    {
        await using var context = NewContext(out var feed, out _);
        var cut = context.Render<Overview>();
        Assert.Equal("Unknown", Row(cut).GetAttribute("data-status"));

        var run = new ProbeRun("r1", "hermes", "HermesHealth", RunTrigger.Schedule, T0, null, null, ProbeOutcome.Unknown, null, []);
        feed.Publish(new RunStartedEvent(run));
        cut.WaitForAssertion(() => Assert.Equal("true", Row(cut).GetAttribute("data-running")));

        feed.Publish(new StepCompletedEvent(run, new StepResult(0, "GET /hermes/health via ALB", StepOutcome.Pass, T0, 12, "HTTP 200", null)));
        cut.WaitForAssertion(() => Assert.Contains("1 step(s) done", Row(cut).TextContent));

        var failed = run with
        {
            EndedAt = T0.AddMilliseconds(300),
            DurationMs = 300,
            Outcome = ProbeOutcome.Fail,
            Message = "GET /hermes/health via ALB: (HTTP 503) expected 200",
        };
        feed.Publish(new RunCompletedEvent(failed));

        cut.WaitForAssertion(() =>
        {
            var row = Row(cut);
            Assert.Equal("Fail", row.GetAttribute("data-status"));
            Assert.Equal("false", row.GetAttribute("data-running"));
            Assert.Contains("expected 200", row.TextContent);
            Assert.Contains("300 ms", row.TextContent);
        });
    }

    [Fact]
    public async Task Platform_uptime_says_how_much_data_each_window_is_over_instead_of_claiming_a_year()
    {
        var now = DateTimeOffset.UtcNow;
        await using var context = NewContext(out _, out _, new TickingTime(now));
        var results = new SqliteResultsStore((SqliteDatabase)context.Services.GetRequiredService<IStore>(), TimeProvider.System, NullLogger<SqliteResultsStore>.Instance);
        await results.InitializeAsync(CancellationToken.None);
        // Four minutes up, then a failure a minute ago (the page's clock stands still): each run holds until the next.
        for (var minutesAgo = 5; minutesAgo >= 1; minutesAgo--)
        {
            var startedAt = now.AddMinutes(-minutesAgo);
            var run = new ProbeRun(ProbeRun.NewId(), "hermes", "HermesHealth", RunTrigger.Schedule, startedAt, startedAt.AddMilliseconds(10), 10,
                minutesAgo == 1 ? ProbeOutcome.Fail : ProbeOutcome.Pass, null, []);
            await results.InsertRunAsync(run with { EndedAt = null }, CancellationToken.None);
            await results.CompleteRunAsync(run, CancellationToken.None);
        }

        var cut = context.Render<Overview>();

        cut.WaitForAssertion(() => Assert.Matches(@"^365 d: 80\.00\s?% over 5 min of data$", cut.Find("[data-platform-window='365d']").TextContent.Trim()));
        Assert.Matches(@"^24 h: 80\.00\s?% over 5 min of data$", cut.Find("[data-platform-window='24h']").TextContent.Trim());
        Assert.Contains("Share of time up", cut.Find("[data-platform-window='7d']").GetAttribute("title"));
    }

    [Fact]
    public async Task Run_now_button_asks_the_scheduler_for_that_probe()
    {
        await using var context = NewContext(out _, out var triggers);
        var cut = context.Render<Overview>();

        // Find and click in one dispatch: the page's clock may re-render between the two otherwise.
        await cut.InvokeAsync(() => cut.Find("tr[data-probe-id='hermes'] button[data-testid='run-now']").ClickAsync(new()));

        Assert.Equal(["hermes"], triggers.Requested);
    }

    [Fact]
    public async Task A_viewer_sees_run_now_and_run_all_disabled_with_the_reason_and_a_forced_click_runs_nothing()
    {
        await using var context = NewContext(out _, out var triggers, role: "Viewer");
        var cut = context.Render<Overview>();

        var runNow = cut.Find("tr[data-probe-id='hermes'] button[data-testid='run-now']");
        Assert.True(runNow.HasAttribute("disabled"));
        Assert.Equal("Operators only", runNow.GetAttribute("title"));
        Assert.True(cut.Find("button[data-testid='run-all']").HasAttribute("disabled"));
        // The handler checks the role itself: a click that gets through (a stale page, a crafted event) runs nothing.
        await cut.InvokeAsync(() => cut.Find("tr[data-probe-id='hermes'] button[data-testid='run-now']").ClickAsync(new()));

        Assert.Empty(triggers.Requested);
        var denied = Assert.Single(await context.Services.GetRequiredService<Webordinary.Dashboard.Probes.Audit.AuditLog>()
            .ListAsync(new Webordinary.Dashboard.Probes.Audit.AuditQuery(), CancellationToken.None));
        Assert.Equal(("operator", "RunNow", "Denied"), (denied.Actor.Name, denied.Action.ToString(), denied.Outcome));
    }

    [Fact]
    public async Task Unsubscribes_from_the_feed_when_disposed()
    {
        await using var context = NewContext(out var feed, out _);
        var cut = context.Render<Overview>();
        var rendersBefore = cut.RenderCount;

        cut.Instance.Dispose();
        feed.Publish(new RunStartedEvent(new ProbeRun("r2", "hermes", "HermesHealth", RunTrigger.Schedule, T0, null, null, ProbeOutcome.Unknown, null, [])));

        Assert.Equal(rendersBefore, cut.RenderCount);
    }

    [Fact]
    public async Task Platform_problem_is_shown_above_the_probes()
    {
        await using var context = NewContext(out _, out _);
        context.Services.AddSingleton<Webordinary.Dashboard.Platform.IPlatformStatus>(new Problem("Aws:Profile 'x' was not found"));

        var cut = context.Render<Overview>();

        Assert.Contains("Aws:Profile 'x' was not found", cut.Find("[data-testid='platform-problem']").TextContent);
    }

    [Fact]
    public async Task Row_ages_its_last_run_on_the_circuit_clock_and_renders_only_when_the_words_change()
    {
        var time = new TickingTime(T0);
        await using var context = NewContext(out var feed, out _, time);
        feed.Publish(new RunCompletedEvent(new ProbeRun("r1", "hermes", "HermesHealth", RunTrigger.Schedule, T0.AddSeconds(-1), T0, 1000, ProbeOutcome.Pass, null, [])));
        var cut = context.Render<Overview>();
        var row = cut.FindComponent<ProbeRow>();
        Assert.Equal("just now", row.Find(".relative-time").TextContent);
        var renders = row.RenderCount;

        time.Now = T0.AddSeconds(1.5);
        await cut.InvokeAsync(time.Tick);
        Assert.Equal(renders, row.RenderCount);

        time.Now = T0.AddSeconds(30);
        await cut.InvokeAsync(time.Tick);
        row.WaitForAssertion(() => Assert.Equal("30 s ago", row.Find(".relative-time").TextContent));
        Assert.Equal(renders + 1, row.RenderCount);
    }

    [Fact]
    public async Task Row_draws_the_trend_as_a_sparkline_shared_by_every_page()
    {
        await using var context = NewContext(out var feed, out _);
        var runs = new[] { (ProbeOutcome.Pass, 100.0), (ProbeOutcome.Fail, 400.0), (ProbeOutcome.Pass, 200.0) };
        for (var i = 0; i < runs.Length; i++)
        {
            var (outcome, ms) = runs[i];
            feed.Publish(new RunCompletedEvent(new ProbeRun($"r{i}", "hermes", "HermesHealth", RunTrigger.Schedule, T0.AddSeconds(i), T0.AddSeconds(i + 1), ms, outcome, null, [])));
        }

        var first = context.Render<Overview>();
        var second = context.Render<Overview>();

        var svg = first.Find("tr[data-probe-id='hermes'] svg.sparkline");
        Assert.Equal("Last 3 runs: 100–400 ms", svg.GetAttribute("aria-label"));
        // x from 2 to 118, y from 26 (0 ms) to 2 (the slowest).
        Assert.Equal("2,20 60,2 118,14", svg.QuerySelector("polyline")!.GetAttribute("points"));
        Assert.Equal("M2,20h0M118,14h0", svg.QuerySelector("path.spark-pass")!.GetAttribute("d"));
        Assert.Equal("M60,2h0", svg.QuerySelector("path.spark-fail")!.GetAttribute("d"));
        Assert.Equal(svg.OuterHtml, second.Find("tr[data-probe-id='hermes'] svg.sparkline").OuterHtml);
        var trend = feed.Get("hermes")!.Trend;
        Assert.Same(Sparkline.For(trend).Value, Sparkline.For(trend).Value);
    }

    [Fact]
    public async Task Each_root_cause_has_a_banner_and_its_failing_probes_are_listed_first_under_it()
    {
        await using var context = NewContext(out var feed, out _);
        foreach (var (id, kind) in new[] { ("cloudwatch", "CloudWatchHeartbeat"), ("dynamodb", "DynamoDbTable"), ("routing", "SessionRouting"), ("zz-concurrent", "SessionConcurrent") })
        {
            feed.Register(id, kind, "every 15 s", true, []);
        }

        foreach (var (id, outcome) in new[] { ("cloudwatch", ProbeOutcome.Pass), ("dynamodb", ProbeOutcome.Fail), ("routing", ProbeOutcome.Fail), ("zz-concurrent", ProbeOutcome.Fail), ("hermes", ProbeOutcome.Fail) })
        {
            feed.Publish(new RunCompletedEvent(new ProbeRun($"run-{id}", id, "K", RunTrigger.Schedule, T0, T0.AddSeconds(1), 1000, outcome, $"{id}: ServiceUnavailable", []),
                outcome == ProbeOutcome.Fail ? ProbeHealth.Down : ProbeHealth.Up));
        }

        var signals = (FakeSignals)context.Services.GetRequiredService<IPlatformSignals>();
        signals.OpenIncidents =
        [
            new Incident("i1", "dynamodb", T0, null, "run-dynamodb", "Describe table", "Describe table: ServiceUnavailable (HTTP 503)", ["zz-concurrent", "routing"]),
            new Incident("i2", "hermes", T0.AddMinutes(1), null, "run-hermes", "GET", "GET /hermes/health via ALB: HTTP 503", ["routing"]),
        ];

        var cut = context.Render<Overview>();

        var banners = cut.FindAll("[data-testid='root-cause']");
        Assert.Equal(["dynamodb", "hermes"], banners.Select(b => b.GetAttribute("data-root-cause")));
        // The affected probes by name; the failed step as a step, not as if it were another probe's name.
        Assert.Contains("2 probe(s) affected: zz-concurrent and routing.", banners[0].TextContent);
        Assert.Contains("step “Describe table” failed: ServiceUnavailable (HTTP 503)", banners[0].TextContent);
        Assert.DoesNotContain("affected: Describe table", banners[0].TextContent);
        // Root causes first, each with what it took down under it; the passing probes after.
        Assert.Equal(["dynamodb", "zz-concurrent", "routing", "hermes", "cloudwatch"],
            cut.FindAll("tr.probe-row").Select(r => r.GetAttribute("data-probe-id")));
        Assert.Equal(["dynamodb", "dynamodb"], cut.FindAll("tr.caused-by").Select(r => r.GetAttribute("data-caused-by")));
        Assert.Contains("caused by dynamodb", cut.Find("tr[data-probe-id='routing']").TextContent);
    }

    [Theory]
    [InlineData("Operator", true)]
    [InlineData("Viewer", false)]
    public async Task An_operator_acknowledges_an_incident_from_its_banner_and_the_banner_says_who(string role, bool mayAcknowledge)
    {
        await using var context = NewContext(out _, out _, role: role);
        var incident = new Incident("i1", "dynamodb", T0, null, "run-dynamodb", null, null);
        var store = context.Services.GetRequiredService<IIncidentStore>();
        await store.UpsertAsync(incident, CancellationToken.None);
        ((FakeSignals)context.Services.GetRequiredService<IPlatformSignals>()).OpenIncidents = [incident];

        var cut = context.Render<Overview>();
        var button = cut.Find("[data-testid='root-cause-acknowledge']");

        Assert.Equal(!mayAcknowledge, button.HasAttribute("disabled"));
        if (!mayAcknowledge)
        {
            return;
        }

        button.Click();
        cut.WaitForAssertion(() => Assert.Contains("Acknowledged by", cut.Find("[data-testid='root-cause-acknowledged']").TextContent));
        Assert.Contains("Un-acknowledge", cut.Find("[data-testid='root-cause-acknowledge']").TextContent);
        Assert.NotNull((await store.GetAsync("i1", CancellationToken.None))!.Acknowledged);
    }

    [Fact]
    public async Task While_the_store_cannot_be_read_the_banner_shows_without_who_acknowledged_and_acknowledge_is_refused()
    {
        await using var context = NewContext(out _, out _);
        var down = new StoreHealth(false, "server closed the connection unexpectedly", T0, 3, 0);
        var store = new UnreachableStore(down);
        context.Services.AddSingleton<IStore>(store);
        context.Services.AddSingleton(UnreachableStore.Incidents());
        var incident = new Incident("i1", "dynamodb", T0, null, "run-dynamodb", null, null);
        var signals = (FakeSignals)context.Services.GetRequiredService<IPlatformSignals>();
        signals.OpenIncidents = [incident];
        signals.StoreHealth = down;

        var cut = context.Render<Overview>();

        // The page renders (the read that failed is the store's outage, not the page's), with the incident's banner.
        Assert.NotNull(cut.Find("[data-testid='root-cause-acknowledge']"));
        Assert.Empty(cut.FindAll("[data-testid='root-cause-acknowledged']"));
        Assert.True(store.AskedAboutAFailure);

        cut.Find("[data-testid='root-cause-acknowledge']").Click();
        var snackbar = context.Services.GetRequiredService<MudBlazor.ISnackbar>();
        cut.WaitForAssertion(() => Assert.Contains(snackbar.ShownSnackbars, s => s.Message == IncidentDetails.StoreRefusesWrites));
    }

    /// <summary>A store the server of which cannot be reached: every incident read fails as such a read does.</summary>
    private sealed class UnreachableStore(StoreHealth health) : IStore
    {
        public bool AskedAboutAFailure { get; private set; }

        public string Location => "db.example:5432/dashboard";

        public StoreHealth Health => health;

        public event Action<StoreHealth>? HealthChanged { add { } remove { } }

        public Task MigrateAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task<bool> FlushAsync(CancellationToken cancellationToken) => Task.FromResult(false);

        public bool IsUnavailable(Exception exception) => AskedAboutAFailure = exception is TimeoutException;

        public static IIncidentStore Incidents() => System.Reflection.DispatchProxy.Create<IIncidentStore, FailingCalls>();
    }

    /// <summary>Every call fails as a call to an unreachable server does.</summary>
    public class FailingCalls : System.Reflection.DispatchProxy
    {
        protected override object? Invoke(System.Reflection.MethodInfo? targetMethod, object?[]? args) =>
            throw new TimeoutException("Timeout during reading attempt");
    }

    [Fact]
    public async Task The_store_not_storing_and_an_open_maintenance_window_each_have_their_banner_and_follow_changes()
    {
        await using var context = NewContext(out _, out _);
        var signals = (FakeSignals)context.Services.GetRequiredService<IPlatformSignals>();
        var cut = context.Render<Overview>();
        Assert.Empty(cut.FindAll("[data-testid='store-problem']"));

        var until = DateTimeOffset.UtcNow.AddHours(1);
        signals.StoreHealth = new StoreHealth(false, "database or disk is full (SQLite error 13)", DateTimeOffset.UtcNow, 12, 0);
        signals.ActiveWindows = [new WindowState(new MaintenanceWindow("adhoc-1", MaintenanceWindowKind.AdHoc, "Table migration",
            new MaintenanceScope([], [Webordinary.Dashboard.Probes.Configuration.PlatformComponent.DynamoDb])), true, DateTimeOffset.UtcNow, until)];
        signals.Change();

        cut.WaitForAssertion(() =>
        {
            var store = cut.Find("[data-testid='store-problem']").TextContent;
            Assert.Contains("Results are not being stored", store);
            Assert.Contains("/data/dashboard.db", store);
            Assert.Contains("12 write(s) are kept in memory", store);
            var window = cut.Find("[data-testid='maintenance-banner']").TextContent;
            Assert.Contains($"In maintenance until {until.UtcDateTime:HH:mm} UTC (Table migration)", window);
            Assert.Contains("DynamoDB", window);
        });
    }

    [Fact]
    public async Task Maintenance_and_interrupted_runs_are_grey_and_a_run_in_a_window_says_so()
    {
        await using var context = NewContext(out var feed, out _);
        feed.Publish(new RunCompletedEvent(new ProbeRun("r1", "hermes", "HermesHealth", RunTrigger.Schedule, T0, T0.AddSeconds(1), 1000, ProbeOutcome.Maintenance,
            "webordinary-hermes-service is starting: 4 s of rollout (0 → 2, Manual by local) — GET: HTTP 503", [], null, "night: upgrade (until 2026-12-01 05:00 UTC)")));

        var cut = context.Render<Overview>();

        var chip = cut.Find("tr[data-probe-id='hermes'] .status-chip");
        Assert.Equal("Maintenance", chip.GetAttribute("data-outcome"));
        Assert.Contains("mud-chip-color-default", chip.ClassName);
        Assert.Contains("night: upgrade", cut.Find("[data-testid='in-maintenance']").TextContent);
        // The window's end is a time in the reader's zone, as the banner's is, not the note's UTC text.
        Assert.Equal("2026-12-01T05:00:00Z", cut.Find("[data-testid='in-maintenance'] time").GetAttribute("datetime"));
        // Parked, Maintenance and Interrupted: the same neutral grey, told apart by their icons.
        Assert.All(new[] { ProbeOutcome.Parked, ProbeOutcome.Maintenance, ProbeOutcome.Interrupted }, o => Assert.Equal(MudBlazor.Color.Default, StatusChip.ColorOf(o)));
        Assert.Equal(3, new[] { ProbeOutcome.Parked, ProbeOutcome.Maintenance, ProbeOutcome.Interrupted }.Select(StatusChip.IconOf).Distinct().Count());
    }

    [Fact]
    public async Task A_root_cause_silenced_by_a_window_still_holds_the_probes_it_took_down_under_it()
    {
        await using var context = NewContext(out var feed, out _);
        foreach (var (id, kind) in new[] { ("cloudwatch", "CloudWatchHeartbeat"), ("routing", "SessionRouting"), ("dynamodb", "DynamoDbTable") })
        {
            feed.Register(id, kind, "every 15 s", true, []);
        }

        foreach (var (id, outcome) in new[] { ("cloudwatch", ProbeOutcome.Pass), ("routing", ProbeOutcome.Fail), ("dynamodb", ProbeOutcome.Fail) })
        {
            feed.Publish(new RunCompletedEvent(new ProbeRun($"run-{id}", id, "K", RunTrigger.Schedule, T0, T0.AddSeconds(1), 1000, outcome, $"{id}: ServiceUnavailable", [],
                null, "adhoc-1: Table migration (until 2026-12-01 05:00 UTC)"), outcome == ProbeOutcome.Fail ? ProbeHealth.Down : ProbeHealth.Up));
        }

        // No incident (the window silenced it), but the health tracker knows what routing is Down because of.
        var signals = (FakeSignals)context.Services.GetRequiredService<IPlatformSignals>();
        signals.Causes["routing"] = "dynamodb";

        var cut = context.Render<Overview>();

        Assert.Empty(cut.FindAll("[data-testid='root-cause']"));
        Assert.Equal(["dynamodb", "routing"], cut.FindAll("tr.probe-row").Select(r => r.GetAttribute("data-probe-id")).Take(2));
        Assert.Contains("caused by dynamodb", cut.Find("tr[data-probe-id='routing']").TextContent);
    }

    [Theory]
    [InlineData("Admin", true)]
    [InlineData("Operator", false)]
    public async Task A_parked_service_has_a_banner_saying_who_parked_it_and_what_is_paused_with_warm_up_for_admins(string role, bool mayWarmUp)
    {
        await using var context = NewContext(out _, out _, role: role);
        var signals = (FakeSignals)context.Services.GetRequiredService<IPlatformSignals>();
        signals.Parked = new ParkedService("webordinary-hermes-service", Webordinary.Dashboard.Probes.Audit.Actor.Schedule("park-weekday-evenings"), new DateTimeOffset(2026, 12, 7, 20, 0, 0, TimeSpan.Zero), 7);

        var cut = context.Render<Overview>();

        var banner = cut.Find("[data-testid='parked-banner']");
        Assert.Contains("webordinary-hermes-service parked by schedule:park-weekday-evenings at 20:00 UTC — 7 probe(s) paused", banner.TextContent);
        var warmUp = cut.Find("[data-testid='warm-up']");
        Assert.Equal(!mayWarmUp, warmUp.HasAttribute("disabled"));
        if (mayWarmUp)
        {
            await warmUp.ClickAsync(new Microsoft.AspNetCore.Components.Web.MouseEventArgs());
            Assert.Equal(1, signals.WarmUps);
        }

        signals.Parked = null;
        signals.Change();
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid='parked-banner']")));
    }

    private static AngleSharp.Dom.IElement Row(IRenderedComponent<Overview> cut) => cut.Find("tr[data-probe-id='hermes']");

    private static BunitContext NewContext(out ProbeStatusFeed feed, out RecordingTriggers triggers, TimeProvider? time = null, string role = "Operator")
    {
        var context = new BunitContext();
        context.JSInterop.Mode = JSRuntimeMode.Loose;
        context.Services.AddMudServices();
        feed = new ProbeStatusFeed(ChangeFeed.InProcess());
        feed.Register("hermes", "HermesHealth", "every 15 s", true, []);
        triggers = new RecordingTriggers();
        context.Services.AddSingleton(feed);
        context.Services.AddSingleton<IProbeTriggers>(triggers);
        context.Services.AddSingleton(time ?? TimeProvider.System);
        context.Services.AddScoped<UiClock>();
        var database = new Webordinary.Dashboard.Storage.Sqlite.SqliteDatabase(
            Path.Combine(Directory.CreateTempSubdirectory("overview-test-").FullName, "dashboard.db"), NullLogger<Webordinary.Dashboard.Storage.Sqlite.SqliteDatabase>.Instance);
        database.MigrateAsync(CancellationToken.None).GetAwaiter().GetResult();
        context.Services.AddSingleton<Webordinary.Dashboard.Storage.IHistoryStore>(new Webordinary.Dashboard.Storage.Sqlite.SqliteHistoryStore(database, Webordinary.Dashboard.Probes.History.UptimeSpanLimits.Unconfigured, time ?? TimeProvider.System));
        context.Services.AddSingleton<Webordinary.Dashboard.Storage.IStore>(database);
        context.Services.AddLogging();
        context.Services.AddSingleton<Webordinary.Dashboard.Probes.History.PlatformUptime>();
        context.Services.AddSingleton<Webordinary.Dashboard.Platform.IPlatformStatus>(new NoProblem());
        context.Services.AddSingleton(new Webordinary.Dashboard.Probes.Audit.AuditLog(new Webordinary.Dashboard.Storage.Sqlite.SqliteAuditStore(database), TimeProvider.System, feed.Changes));
        context.Services.AddSingleton<Webordinary.Dashboard.Security.ActionGuard>();
        context.Services.AddSingleton<Webordinary.Dashboard.Security.ProbeActions>();
        context.Services.AddSingleton<Webordinary.Dashboard.Storage.IIncidentStore>(new Webordinary.Dashboard.Storage.Sqlite.SqliteIncidentStore(database));
        context.Services.AddSingleton<Webordinary.Dashboard.Security.IncidentActions>();
        context.Services.AddScoped<CurrentUser>();
        context.AddAuthorization().SetAuthorized("operator").SetClaims(
            new System.Security.Claims.Claim(Webordinary.Dashboard.Security.DashboardPrincipal.RoleClaim, role));
        context.Services.AddSingleton<IPlatformSignals>(new FakeSignals());
        // No configured probes: the rows have no tags and no component (the filter's facts), which these tests do not use.
        context.Services.AddSingleton(services => new Webordinary.Dashboard.Probes.Scheduling.ProbeCatalog(
            Microsoft.Extensions.Options.Options.Create(new Webordinary.Dashboard.Probes.Configuration.DashboardOptions()),
            Microsoft.Extensions.Options.Options.Create(new Webordinary.Dashboard.Platform.AwsOptions()),
            new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build(), new Webordinary.Dashboard.Probes.Configuration.ProbeKindRegistry(), services));
        return context;
    }

    /// <summary>A clock the test sets and whose timers fire when the test says so.</summary>
    private sealed class TickingTime(DateTimeOffset now) : TimeProvider
    {
        private readonly List<TimerCallback> _callbacks = [];

        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            _callbacks.Add(_ => callback(state));
            return new NoTimer();
        }

        public void Tick()
        {
            foreach (var callback in _callbacks.ToList())
            {
                callback(null);
            }
        }

        private sealed class NoTimer : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period) => true;

            public void Dispose()
            {
            }

            public ValueTask DisposeAsync() => ValueTask.CompletedTask;
        }
    }

    private sealed class NoProblem : Webordinary.Dashboard.Platform.IPlatformStatus
    {
        public string? Problem => null;
    }

    private sealed class Problem(string text) : Webordinary.Dashboard.Platform.IPlatformStatus
    {
        string? Webordinary.Dashboard.Platform.IPlatformStatus.Problem => text;
    }

    private sealed class RecordingTriggers : IProbeTriggers
    {
        public List<string> Requested { get; } = [];

        public Task<RunRequestResult> RunNowAsync(string probeId, CancellationToken cancellationToken)
        {
            Requested.Add(probeId);
            return Task.FromResult(new RunRequestResult(probeId, RunRequestStatus.Accepted, "run-x"));
        }

        public Task<IReadOnlyList<RunRequestResult>> RunAllAsync(CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<RunRequestResult>>([]);

        public Task ConfirmAsync(string probeId, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task RecheckAsync(string probeId, TimeSpan delay, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task CancelRecheckAsync(string probeId, DateTimeOffset askedBefore, CancellationToken cancellationToken) => Task.CompletedTask;
    }

    /// <summary>The signals a test sets: incidents by root cause, windows, the store's health.</summary>
    internal sealed class FakeSignals : IPlatformSignals
    {
        public IReadOnlyList<Incident> OpenIncidents { get; set; } = [];

        public IReadOnlyList<WindowState> ActiveWindows { get; set; } = [];

        public Dictionary<string, string> Causes { get; } = new(StringComparer.OrdinalIgnoreCase);

        public string? CauseOf(string probeId) => Causes.GetValueOrDefault(probeId);

        public StoreHealth StoreHealth { get; set; } = StoreHealth.Ok;

        public IReadOnlyList<string> StoreLoadsWaiting { get; set; } = [];

        public ParkedService? Parked { get; set; }

        public int WarmUps { get; private set; }

        public string DatabasePath => "/data/dashboard.db";

        public event Action? Changed;

        public List<(MaintenanceRequest Request, string Actor)> Added { get; } = [];

        public void Change() => Changed?.Invoke();

        public Task<Webordinary.Dashboard.Security.ActionOutcome<MaintenanceResult>> AddWindowAsync(System.Security.Claims.ClaimsPrincipal user, MaintenanceRequest request)
        {
            Added.Add((request, Webordinary.Dashboard.Security.DashboardPrincipal.ActorOf(user).Name));
            return Task.FromResult(new Webordinary.Dashboard.Security.ActionOutcome<MaintenanceResult>(new MaintenanceResult(new MaintenanceWindow("adhoc-1",
                MaintenanceWindowKind.AdHoc, request.Reason!, new MaintenanceScope([], []), DateTimeOffset.UtcNow, DateTimeOffset.UtcNow + request.Duration!.Value), null)));
        }

        public Task<Webordinary.Dashboard.Security.ActionOutcome<MaintenanceWindows.EndResult>> EndWindowAsync(System.Security.Claims.ClaimsPrincipal user, string id) =>
            Task.FromResult(new Webordinary.Dashboard.Security.ActionOutcome<MaintenanceWindows.EndResult>(MaintenanceWindows.EndResult.Ended));

        public Task<Webordinary.Dashboard.Security.ActionOutcome<Webordinary.Dashboard.Probes.Scaling.ScaleRequestResult>> WarmUpAsync(System.Security.Claims.ClaimsPrincipal user)
        {
            WarmUps++;
            return Task.FromResult(new Webordinary.Dashboard.Security.ActionOutcome<Webordinary.Dashboard.Probes.Scaling.ScaleRequestResult>(
                new Webordinary.Dashboard.Probes.Scaling.ScaleRequestResult(Webordinary.Dashboard.Probes.Scaling.ScaleRequestStatus.Accepted, "webordinary-hermes-service", "Scaling to 1")));
        }
    }
}
