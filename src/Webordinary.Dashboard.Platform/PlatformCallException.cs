namespace Webordinary.Dashboard.Platform;

/// <summary>
/// A failed call to a platform service (ECS, ELBv2, CloudWatch, DynamoDB, EFS), carrying what an operator needs
/// to act on it: the AWS error code, the HTTP status and the request id to quote to AWS support.
/// </summary>
public class PlatformCallException(
    string service,
    string operation,
    string errorCode,
    string message,
    int? httpStatus = null,
    string? requestId = null,
    Exception? innerException = null)
    : Exception($"{service} {operation} failed: {errorCode}: {message}", innerException)
{
    /// <summary>Short service name: <c>ecs</c>, <c>elbv2</c>, <c>cloudwatch</c>, <c>dynamodb</c>, <c>efs</c>.</summary>
    public string Service { get; } = service;
    public string Operation { get; } = operation;
    public string ErrorCode { get; } = errorCode;
    public string ErrorMessage { get; } = message;
    public int? HttpStatus { get; } = httpStatus;
    public string? RequestId { get; } = requestId;
}

/// <summary>The named resource does not exist (unknown cluster, service, target group, table).</summary>
public sealed class PlatformResourceNotFoundException(
    string service,
    string operation,
    string errorCode,
    string resource,
    string message,
    int? httpStatus = 400,
    string? requestId = null)
    : PlatformCallException(service, operation, errorCode, message, httpStatus, requestId)
{
    public string Resource { get; } = resource;
}
