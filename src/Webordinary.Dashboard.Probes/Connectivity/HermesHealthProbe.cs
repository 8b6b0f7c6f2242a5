using System.Net;
using Webordinary.Dashboard.Platform;
using Webordinary.Dashboard.Probes.Configuration;
using Webordinary.Dashboard.Probes.Model;
using Webordinary.Dashboard.Probes.Running;

namespace Webordinary.Dashboard.Probes.Connectivity;

/// <summary>Hermes answers its health endpoint through the ALB (<c>GET /hermes/health</c> → 200).</summary>
public sealed class HermesHealthProbe(ProbeDefinition definition, IHttpClientFactory httpClients, IAlbEndpoint alb, ParkedServiceCheck parked) : IProbe
{
    public const string KindName = "HermesHealth";

    /// <summary>The named HttpClient probes use to reach Hermes through the ALB.</summary>
    public const string HttpClientName = "alb";

    private readonly HermesHealthOptions _options = definition.Bind<HermesHealthOptions>();

    public string Id => definition.Id;

    public string Kind => KindName;

    public Task RunAsync(ProbeContext context, CancellationToken cancellationToken) =>
        context.StepAsync($"GET {_options.Path} via ALB", async step =>
        {
            var url = new Uri(alb.BaseUrl, _options.Path.TrimStart('/'));
            using var client = httpClients.CreateClient(HttpClientName);
            using var response = await client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, step.CancellationToken);
            var status = (int)response.StatusCode;
            step.Detail = $"HTTP {status} from {url}";
            if (status == _options.ExpectedStatus)
            {
                context.Summary = $"{_options.Path} answered {status}";
                return;
            }

            // 502/503/504 from the ALB while Hermes is scaled to 0 is the expected answer, not an outage.
            if (response.StatusCode is HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout
                && await parked.IsParkedAsync(step.CancellationToken))
            {
                context.Park(parked.ParkedMessage);
                return;
            }

            // The step's name says what was asked (GET /hermes/health via ALB): the message says only what came back,
            // and for a 5xx who made it: the ALB (no target answered) or Hermes (with its reason).
            StepScope.Check(false, status >= 500
                ? $"{(await GatewayAnswer.ReadAsync(response, step.CancellationToken)).Describe()}, expected {_options.ExpectedStatus}."
                : $"answered HTTP {status} {response.ReasonPhrase}, expected {_options.ExpectedStatus}.", status);
        }, cancellationToken);
}

/// <summary>Kind-specific settings of <see cref="HermesHealthProbe"/>.</summary>
public sealed class HermesHealthOptions
{
    public string Path { get; set; } = "/hermes/health";

    public int ExpectedStatus { get; set; } = 200;
}
