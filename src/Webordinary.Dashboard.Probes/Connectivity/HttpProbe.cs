using Webordinary.Dashboard.Probes.Configuration;
using Webordinary.Dashboard.Probes.Model;
using Webordinary.Dashboard.Probes.Running;

namespace Webordinary.Dashboard.Probes.Connectivity;

/// <summary>
/// An HTTP endpoint answers: <c>GET {Url}</c> → <c>ExpectedStatus</c> (200). For anything the platform depends on
/// that has a health URL of its own (an identity provider, a CDN, a third-party API), the way Uptime Kuma's and Gatus's
/// HTTP monitors work; it belongs to no platform component unless <c>Component</c> says so.
/// </summary>
public sealed class HttpProbe(ProbeDefinition definition, IHttpClientFactory httpClients) : IProbe
{
    public const string KindName = "Http";

    private readonly HttpProbeOptions _options = definition.Bind<HttpProbeOptions>();

    public string Id => definition.Id;

    public string Kind => KindName;

    public static bool IsValidUrl(string? url) => Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https";

    public Task RunAsync(ProbeContext context, CancellationToken cancellationToken) =>
        context.StepAsync($"GET {_options.Url}", async step =>
        {
            using var client = httpClients.CreateClient(HermesHealthProbe.HttpClientName);
            using var response = await client.GetAsync(_options.Url, HttpCompletionOption.ResponseHeadersRead, step.CancellationToken);
            var status = (int)response.StatusCode;
            step.Detail = $"HTTP {status}";
            StepScope.Check(status == _options.ExpectedStatus, $"Answered HTTP {status} {response.ReasonPhrase}, expected {_options.ExpectedStatus}.", status);
            context.Summary = $"HTTP {status}";
        }, cancellationToken);
}

/// <summary>Kind-specific settings of <see cref="HttpProbe"/>.</summary>
public sealed class HttpProbeOptions
{
    public string Url { get; set; } = "";

    public int ExpectedStatus { get; set; } = 200;
}
