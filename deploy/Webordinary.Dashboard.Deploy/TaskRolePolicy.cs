using System.Text.Json;
using Amazon.CDK;

namespace Webordinary.Dashboard.Deploy;

/// <summary>
/// The task role's policy: deploy/task-role-policy.json, the one definition that the README's "Minimal IAM policy"
/// repeats word for word (a test compares them). A resource with <c>${ClusterName}</c> is substituted at deploy time
/// (<c>ecs:UpdateService</c> only on the allow-listed services of the team's cluster).
/// </summary>
public static class TaskRolePolicy
{
    public const string FileName = "task-role-policy.json";

    /// <summary>The file next to the app: the project copies deploy/task-role-policy.json to its output.</summary>
    public static string Path()
    {
        var beside = System.IO.Path.Combine(AppContext.BaseDirectory, FileName);
        return File.Exists(beside) ? beside : throw new FileNotFoundException($"{FileName} was not copied next to the CDK app.", beside);
    }

    public static JsonDocument Read() => JsonDocument.Parse(File.ReadAllText(Path()));

    /// <summary>The policy document as CloudFormation wants it, with <c>Fn::Sub</c> where a resource names a parameter.</summary>
    public static object Document()
    {
        using var document = Read();
        return Convert(document.RootElement);
    }

    private static object Convert(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().ToDictionary(p => p.Name, p => Convert(p.Value)),
        JsonValueKind.Array => element.EnumerateArray().Select(Convert).ToArray(),
        JsonValueKind.String when element.GetString()!.Contains("${", StringComparison.Ordinal) => Fn.Sub(element.GetString()!),
        JsonValueKind.String => element.GetString()!,
        _ => throw new InvalidDataException($"{FileName}: only objects, arrays and strings are expected, found {element.ValueKind}."),
    };
}
