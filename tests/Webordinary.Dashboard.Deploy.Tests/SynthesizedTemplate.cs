using System.Text.Json.Nodes;
using Amazon.CDK;
using Amazon.CDK.Assertions;
using Webordinary.Dashboard.Deploy;

namespace Webordinary.Dashboard.Deploy.Tests;

/// <summary>
/// The stack synthesized once per test run (jsii starts a Node process, and every class here reads the same
/// template): the CDK's <see cref="Template"/> for its assertions, and the same template as JSON and as a file (in
/// the test output, next to the binaries) for cfn-lint and moto.
/// </summary>
public sealed class SynthesizedTemplate
{
    private static readonly Lazy<SynthesizedTemplate> Instance = new(() => new SynthesizedTemplate(), LazyThreadSafetyMode.ExecutionAndPublication);

    private SynthesizedTemplate()
    {
        var output = Path.Combine(AppContext.BaseDirectory, "cdk.out");
        var app = new App(new AppProps { Outdir = output });
        Stack = DashboardStack.Create(app);
        Template = Template.FromStack(Stack);
        var assembly = app.Synth();
        FilePath = Path.Combine(assembly.Directory, $"{DashboardStack.DefaultName}.template.json");
        Json = JsonNode.Parse(File.ReadAllText(FilePath))!.AsObject();
    }

    public static SynthesizedTemplate Shared => Instance.Value;

    public DashboardStack Stack { get; }

    public Template Template { get; }

    public string FilePath { get; }

    public JsonObject Json { get; }

    public JsonObject Resources => Json["Resources"]!.AsObject();

    /// <summary>The one resource of that type (its properties).</summary>
    public JsonObject Single(string type) => Resources.Single(r => (string?)r.Value!["Type"] == type).Value!["Properties"]!.AsObject();

    public IEnumerable<KeyValuePair<string, JsonNode?>> OfType(string type) => Resources.Where(r => (string?)r.Value!["Type"] == type);
}
