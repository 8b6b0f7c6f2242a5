using Webordinary.Dashboard.Platform;
using Webordinary.Dashboard.Probes.Model;

namespace Webordinary.Dashboard.Probes.Running;

/// <summary>Turns whatever a step threw into the reason shown to the operator.</summary>
public static class StepFailures
{
    public static StepFailure Timeout(TimeSpan after, string what) =>
        new("Timeout", $"Timed out after {after.TotalSeconds:0.###} s ({what}).");

    public static StepFailure From(Exception exception) => exception switch
    {
        PlatformCallException aws => new StepFailure("Aws", aws.ErrorMessage, aws.ErrorCode, aws.RequestId, aws.HttpStatus),
        Sessions.HermesUnreachableException unreachable => new StepFailure("Http", unreachable.Message, HttpStatus: unreachable.HttpStatus),
        Sessions.HermesErrorException hermes => new StepFailure("Http", hermes.Message, HttpStatus: hermes.HttpStatus),
        ProbeCheckException check => new StepFailure(check.HttpStatus is null ? "Check" : "Http", check.Message, HttpStatus: check.HttpStatus),
        HttpRequestException http => new StepFailure("Http", Describe(http), HttpStatus: http.StatusCode is { } status ? (int)status : null),
        _ => new StepFailure("Exception", $"{exception.GetType().Name}: {exception.Message}"),
    };

    private static string Describe(HttpRequestException exception) =>
        exception.HttpRequestError == HttpRequestError.Unknown || exception.InnerException is null
            ? exception.Message
            : $"{exception.HttpRequestError}: {exception.InnerException.Message}";
}
