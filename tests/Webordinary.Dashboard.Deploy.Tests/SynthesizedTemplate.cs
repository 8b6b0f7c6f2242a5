using System.Text.Json.Nodes;
using Amazon.CDK;
using Amazon.CDK.Assertions;
using Webordinary.Dashboard.Deploy;

namespace Webordinary.Dashboard.Deploy.Tests;

/// <summary>
/// The stack synthesized once per test run (jsii starts a Node process, which takes seconds): the CDK's
/// <see cref="Template"/> for its assertions, and the same template as JSON and as a file for cfn-lint and moto.
/// </summary>
public sealed class SynthesizedTemplate : IDisposable
{
    public SynthesizedTemplate()
    {
        OutputDirectory = Directory.CreateTempSubdirectory("dashboard-synth-").FullName;
        var app = new App(new AppProps { Outdir = OutputDirectory });
        Stack = new DashboardStack(app, DashboardStack.DefaultName, new StackProps
        {
            Synthesizer = new DefaultStackSynthesizer(new DefaultStackSynthesizerProps { GenerateBootstrapVersionRule = false }),
        });
        Template = Template.FromStack(Stack);
        var assembly = app.Synth();
        FilePath = Path.Combine(assembly.Directory, $"{DashboardStack.DefaultName}.template.json");
        Json = JsonNode.Parse(File.ReadAllText(FilePath))!.AsObject();
    }

    public string OutputDirectory { get; }

    public DashboardStack Stack { get; }

    public Template Template { get; }

    public string FilePath { get; }

    public JsonObject Json { get; }

    public JsonObject Resources => Json["Resources"]!.AsObject();

    /// <summary>The one resource of that type (its properties).</summary>
    public JsonObject Single(string type) => Resources.Single(r => (string?)r.Value!["Type"] == type).Value!["Properties"]!.AsObject();

    public IEnumerable<KeyValuePair<string, JsonNode?>> OfType(string type) => Resources.Where(r => (string?)r.Value!["Type"] == type);

    public void Dispose() => Directory.Delete(OutputDirectory, recursive: true);
}

[CollectionDefinition(Name)]
public sealed class SynthesizedTemplateCollection : ICollectionFixture<SynthesizedTemplate>
{
    public const string Name = "synthesized template";
}
