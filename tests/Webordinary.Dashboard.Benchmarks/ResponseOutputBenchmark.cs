using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Webordinary.Dashboard.Hosting;

namespace Webordinary.Dashboard.Benchmarks;

/// <summary>
/// What <see cref="BareRequestErrorBodies"/> costs every HTTP/1.1 answer: the same small Kestrel app (a JSON 200 and a
/// ProblemDetails 404, the API's commonest answers) with and without it, in alternating rounds, 16 keep-alive clients
/// in this process. The figure is this process's CPU per request (server and clients; the clients are the same in both
/// variants, so the difference is the connection middleware's) and the throughput.
/// </summary>
public static class ResponseOutputBenchmark
{
    public const string Name = "http-output";

    private const int Clients = 16;

    public static async Task<IReadOnlyList<BenchmarkRow>> RunAsync(BenchmarkContext context)
    {
        var rounds = context.Quick ? 1 : 5;
        var length = TimeSpan.FromSeconds(context.Quick ? 3 : 8);
        var results = new Dictionary<bool, List<(double CpuMicros, double PerSecond)>> { [false] = [], [true] = [] };
        // A round of both first, not counted: the first app of the process pays for jitting Kestrel and the clients.
        foreach (var withBodies in new[] { false, true })
        {
            await MeasureAsync(withBodies, TimeSpan.FromSeconds(2));
        }

        for (var round = 0; round < rounds; round++)
        {
            foreach (var withBodies in new[] { false, true })
            {
                var (cpu, perSecond) = await MeasureAsync(withBodies, length);
                context.Log($"round {round + 1}, {(withBodies ? "with" : "without")} BareRequestErrorBodies: {cpu:0.0} µs CPU a request, {perSecond:0} requests/s");
                results[withBodies].Add((cpu, perSecond));
            }
        }

        string Describe(bool withBodies) => string.Join("; ", results[withBodies].Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.CpuMicros:0.0} µs, {r.PerSecond:0}/s")));
        var before = Stats.Percentile(results[false].Select(r => r.CpuMicros), 50);
        var after = Stats.Percentile(results[true].Select(r => r.CpuMicros), 50);
        return
        [
            new BenchmarkRow(Name, "without", Describe(false), "—", "n/a", $"{Clients} keep-alive clients, {rounds} rounds of {length.TotalSeconds:0} s"),
            new BenchmarkRow(Name, "with", Describe(true), "CPU a request within 5% of without", BenchmarkRow.YesNo(after <= before * 1.05),
                string.Create(CultureInfo.InvariantCulture, $"median {after:0.0} vs {before:0.0} µs ({(after / before - 1) * 100:+0.0;-0.0}%)")),
        ];
    }

    private static async Task<(double CpuMicros, double PerSecond)> MeasureAsync(bool withBodies, TimeSpan length)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddProblemDetails();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0, listen =>
            {
                if (withBodies)
                {
                    BareRequestErrorBodies.Use(listen);
                }
            });
        });
        await using var app = builder.Build();
        app.MapGet("/ok", () => Results.Json(new { status = "Pass", probes = 12, message = "every probe answered in time" }));
        app.MapGet("/missing", () => Results.Problem(statusCode: 404, title: "No such probe", detail: "There is no probe 'nope'."));
        await app.StartAsync();
        var address = new Uri(app.Urls.First());

        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Clients }) { BaseAddress = address };
        // Warm up: connections open, code jitted.
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(_ => LoopAsync(client, TimeSpan.FromSeconds(1))));
        var from = ProcessReading.Now();
        var counts = await Task.WhenAll(Enumerable.Range(0, Clients).Select(_ => LoopAsync(client, length)));
        var to = ProcessReading.Now();
        await app.StopAsync();

        var requests = counts.Sum();
        var wall = TimeSpan.FromTicks((long)((to.Timestamp - from.Timestamp) * (TimeSpan.TicksPerSecond / (double)System.Diagnostics.Stopwatch.Frequency)));
        return ((to.Cpu - from.Cpu).TotalMicroseconds / requests, requests / wall.TotalSeconds);
    }

    private static async Task<long> LoopAsync(HttpClient client, TimeSpan length)
    {
        var until = DateTime.UtcNow + length;
        long count = 0;
        while (DateTime.UtcNow < until)
        {
            using var response = await client.GetAsync(count % 2 == 0 ? "/ok" : "/missing");
            var body = await response.Content.ReadAsByteArrayAsync();
            if (body.Length == 0 || (response.StatusCode != HttpStatusCode.OK && response.StatusCode != HttpStatusCode.NotFound))
            {
                throw new InvalidOperationException($"Unexpected answer {(int)response.StatusCode} with {body.Length} bytes");
            }

            count++;
        }

        return count;
    }
}
