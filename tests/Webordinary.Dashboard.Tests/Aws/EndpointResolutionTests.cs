using System.Diagnostics;
using Amazon.DynamoDBv2.Model;
using Amazon.EC2.Model;
using Webordinary.Dashboard.Aws;
using Webordinary.Dashboard.Testing;

namespace Webordinary.Dashboard.Tests.Aws;

/// <summary>
/// Where each client sends its calls: the region's endpoint in its partition (botocore's endpoint rule sets are the
/// reference), FIPS and dual-stack, the SDK's configured endpoints (AWS_ENDPOINT_URL*, the profile's endpoint_url
/// and services section), and explicit overrides kept as given, for the hand-written clients and the SDK's alike.
/// </summary>
public sealed class EndpointResolutionTests : IDisposable
{
    private readonly string _home = Directory.CreateTempSubdirectory("aws-endpoints-").FullName;

    static EndpointResolutionTests() => MotoServer.UseEnvironmentCredentials();

    public void Dispose() => Directory.Delete(_home, recursive: true);

    /// <summary>Expected URLs as botocore 1.43's EndpointProvider resolves them (the rule set of each service).</summary>
    [Theory]
    [InlineData("Ecs", "us-east-1", false, false, "https://ecs.us-east-1.amazonaws.com/")]
    [InlineData("Ecs", "cn-north-1", false, false, "https://ecs.cn-north-1.amazonaws.com.cn/")]
    [InlineData("Ecs", "cn-northwest-1", false, true, "https://ecs.cn-northwest-1.api.amazonwebservices.com.cn/")]
    [InlineData("Ecs", "us-gov-west-1", true, false, "https://ecs-fips.us-gov-west-1.amazonaws.com/")]
    [InlineData("Elb", "us-gov-west-1", false, false, "https://elasticloadbalancing.us-gov-west-1.amazonaws.com/")]
    [InlineData("Elb", "us-gov-west-1", true, false, "https://elasticloadbalancing.us-gov-west-1.amazonaws.com/")]
    [InlineData("Elb", "us-gov-west-1", true, true, "https://elasticloadbalancing-fips.us-gov-west-1.api.aws/")]
    [InlineData("CloudWatch", "us-east-1", true, false, "https://monitoring-fips.us-east-1.amazonaws.com/")]
    [InlineData("CloudWatch", "us-gov-east-1", true, true, "https://monitoring.us-gov-east-1.api.aws/")]
    [InlineData("Efs", "eu-central-1", false, false, "https://elasticfilesystem.eu-central-1.amazonaws.com/")]
    [InlineData("Efs", "eu-central-1", false, true, "https://efs.eu-central-1.api.aws/")]
    [InlineData("Efs", "cn-north-1", true, true, "https://efs-fips.cn-north-1.api.amazonwebservices.com.cn/")]
    [InlineData("DynamoDb", "us-east-1", true, false, "https://dynamodb-fips.us-east-1.amazonaws.com/")]
    [InlineData("DynamoDb", "us-gov-west-1", true, false, "https://dynamodb.us-gov-west-1.amazonaws.com/")]
    [InlineData("Ec2", "us-iso-east-1", false, false, "https://ec2.us-iso-east-1.c2s.ic.gov/")]
    [InlineData("Ecs", "us-isob-east-1", true, false, "https://ecs-fips.us-isob-east-1.sc2s.sgov.gov/")]
    [InlineData("Ecs", "eu-isoe-west-1", false, false, "https://ecs.eu-isoe-west-1.cloud.adc-e.uk/")]
    [InlineData("Ecs", "us-isof-south-1", false, false, "https://ecs.us-isof-south-1.csp.hci.ic.gov/")]
    [InlineData("Ecs", "eusc-de-east-1", false, false, "https://ecs.eusc-de-east-1.amazonaws.eu/")]
    [InlineData("Ecs", "eusc-de-east-1", true, true, "https://ecs-fips.eusc-de-east-1.api.amazonwebservices.eu/")]
    [InlineData("Ecs", "mx-central-1", false, true, "https://ecs.mx-central-1.api.aws/")]
    public void Regional_endpoint_is_the_partitions_as_botocore_resolves_it(string service, string region, bool fips, bool dualStack, string expected)
    {
        Assert.Equal(new Uri(expected), AwsEndpoints.Regional(Service(service), region, fips, dualStack));
    }

    [Fact]
    public async Task Every_service_region_and_variant_matches_the_installed_botocore_rule_sets()
    {
        var regions = new[]
        {
            "us-east-1", "eu-central-1", "il-central-1", "mx-central-1", "cn-north-1", "cn-northwest-1", "us-gov-west-1", "us-gov-east-1",
            "us-iso-east-1", "us-isob-east-1", "eu-isoe-west-1", "us-isof-south-1", "eusc-de-east-1",
        };
        var botocoreNames = new Dictionary<AwsService, string>
        {
            [AwsService.Ecs] = "ecs", [AwsService.Elb] = "elbv2", [AwsService.CloudWatch] = "cloudwatch", [AwsService.Efs] = "efs",
            [AwsService.DynamoDb] = "dynamodb", [AwsService.Ec2] = "ec2",
        };

        var expected = await BotocoreEndpointsAsync(botocoreNames.Values, regions);

        var compared = 0;
        foreach (var (service, name) in botocoreNames)
        {
            foreach (var region in regions)
            {
                foreach (var (fips, dualStack) in new[] { (false, false), (false, true), (true, false), (true, true) })
                {
                    var key = $"{name} {region} {(fips ? 1 : 0)} {(dualStack ? 1 : 0)}";
                    Assert.Equal((key, expected[key]), (key, AwsEndpoints.Regional(service, region, fips, dualStack).ToString().TrimEnd('/')));
                    compared++;
                }
            }
        }

        Assert.Equal(botocoreNames.Count * regions.Length * 4, compared);
    }

    [Fact]
    public void Configured_endpoints_follow_the_sdks_precedence_for_every_service()
    {
        var config = Path.Combine(_home, "config");
        File.WriteAllText(config, """
            [profile team]
            region = eu-west-1
            endpoint_url = http://profile-wide.test:1
            services = team-services

            [services team-services]
            ecs =
              endpoint_url = http://profile-ecs.test:2
            dynamodb =
              endpoint_url = http://profile-dynamodb.test:3
            """);
        var environment = new Dictionary<string, string?>
        {
            ["AWS_CONFIG_FILE"] = config,
            ["AWS_PROFILE"] = "team",
            ["AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2"] = "http://env-elb.test:4",
            ["AWS_ENDPOINT_URL_DYNAMODB"] = "http://env-dynamodb.test:5",
            ["AWS_ENDPOINT_URL"] = "http://env-all.test:6",
        };

        var everything = Endpoints(environment);
        var withoutSharedVariable = Endpoints(new(environment) { ["AWS_ENDPOINT_URL"] = null });
        var ignored = Endpoints(new(environment) { ["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] = "true" });
        var explicitWins = Endpoints(environment, new() { ["Aws:Endpoints:Ecs"] = "http://explicit-ecs.test:7", ["Aws:ServiceUrl"] = "http://localstack.test:4566" });

        // AWS_ENDPOINT_URL_<SERVICE>, then the profile's services section, then AWS_ENDPOINT_URL, then the profile's endpoint_url.
        Assert.Equal(("http://env-elb.test:4/", "AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2"), Of(everything, AwsService.Elb));
        Assert.Equal(("http://env-dynamodb.test:5/", "AWS_ENDPOINT_URL_DYNAMODB"), Of(everything, AwsService.DynamoDb));
        Assert.Equal(("http://profile-ecs.test:2/", "profile 'team' services (ecs)"), Of(everything, AwsService.Ecs));
        Assert.Equal(("http://env-all.test:6/", "AWS_ENDPOINT_URL"), Of(everything, AwsService.CloudWatch));
        Assert.Equal(("http://profile-wide.test:1/", "profile 'team' endpoint_url"), Of(withoutSharedVariable, AwsService.CloudWatch));
        Assert.All(AwsService.All, s => Assert.Null(ignored.Configured(s)));
        Assert.Equal(new Uri("https://ec2.eu-west-1.amazonaws.com/"), ignored.For(AwsService.Ec2, "eu-west-1").Url);
        // Settings of the dashboard's own win over the SDK's.
        Assert.Equal(("http://explicit-ecs.test:7/", "Aws:Endpoints:Ecs"), Of(explicitWins, AwsService.Ecs));
        Assert.Equal(("http://localstack.test:4566/", "Aws:ServiceUrl"), Of(explicitWins, AwsService.Elb));
    }

    [Fact]
    public void Fips_and_dual_stack_come_from_the_settings_then_the_environment_then_the_profile()
    {
        var config = Path.Combine(_home, "config");
        File.WriteAllText(config, "[profile gov]\nuse_fips_endpoint = true\nuse_dualstack_endpoint = true\n");

        var fromProfile = Endpoints(new() { ["AWS_CONFIG_FILE"] = config, ["AWS_PROFILE"] = "gov" });
        var fromEnvironment = Endpoints(new() { ["AWS_CONFIG_FILE"] = config, ["AWS_PROFILE"] = "gov", ["AWS_USE_DUALSTACK_ENDPOINT"] = "false" });
        var fromSettings = Endpoints(new() { ["AWS_CONFIG_FILE"] = config, ["AWS_PROFILE"] = "gov" }, new() { ["Aws:UseFips"] = "false" });

        Assert.Equal(new Uri("https://ecs-fips.us-gov-west-1.api.aws/"), fromProfile.For(AwsService.Ecs, "us-gov-west-1").Url);
        Assert.Equal(new Uri("https://ecs-fips.us-gov-west-1.amazonaws.com/"), fromEnvironment.For(AwsService.Ecs, "us-gov-west-1").Url);
        Assert.Equal(new Uri("https://ecs.us-gov-west-1.api.aws/"), fromSettings.For(AwsService.Ecs, "us-gov-west-1").Url);
    }

    [Fact]
    public void A_vpc_endpoint_or_fips_host_given_for_dynamodb_is_where_the_sdk_client_sends_its_calls()
    {
        const string vpce = "https://vpce-0a1b2c3d4e5f60718-abcdefgh.dynamodb.us-east-1.vpce.amazonaws.com";
        var vpc = new AwsClients(new Dictionary<string, string?> { ["Aws:Region"] = "us-east-1", ["Aws:Endpoints:DynamoDb"] = vpce },
            environment: NoEnvironment);
        var fipsHost = new AwsClients(new Dictionary<string, string?> { ["Aws:Region"] = "us-east-1", ["Aws:Endpoints:DynamoDb"] = "https://dynamodb-fips.us-east-1.amazonaws.com" },
            environment: NoEnvironment);

        Assert.Equal(vpce + "/", SdkEndpoint(vpc));
        Assert.Equal("https://dynamodb-fips.us-east-1.amazonaws.com/", SdkEndpoint(fipsHost));
        Assert.Equal("us-east-1", vpc.DynamoDbClient.Sdk.Config.AuthenticationRegion);
    }

    [Fact]
    public void An_endpoint_variable_reaches_the_hand_written_and_the_sdk_clients_alike()
    {
        var environment = new Dictionary<string, string?> { ["AWS_ENDPOINT_URL"] = "http://127.0.0.1:4566" };
        var clients = new AwsClients(new Dictionary<string, string?> { ["Aws:Region"] = "eu-west-1" }, environment: name => environment.GetValueOrDefault(name));

        Assert.Equal(new Uri("http://127.0.0.1:4566/"), clients.Transport.EndpointFor(AwsService.Ecs));
        Assert.Equal("http://127.0.0.1:4566/", SdkEndpoint(clients));
    }

    [Theory]
    [InlineData("cn-north-1", false, false)]
    [InlineData("us-gov-west-1", true, false)]
    [InlineData("eu-central-1", false, true)]
    [InlineData("us-east-1", true, true)]
    public void The_sdks_own_resolution_agrees_with_the_hand_written_clients(string region, bool fips, bool dualStack)
    {
        var clients = new AwsClients(new Dictionary<string, string?>
        {
            ["Aws:Region"] = region,
            ["Aws:UseFips"] = fips.ToString(),
            ["Aws:UseDualStack"] = dualStack.ToString(),
        }, environment: NoEnvironment);
        using var ec2 = new Amazon.EC2.AmazonEC2Client(clients.Credentials.Credentials, new Amazon.EC2.AmazonEC2Config
        {
            RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(region),
            UseFIPSEndpoint = fips,
            UseDualstackEndpoint = dualStack,
        });

        Assert.Equal(clients.Transport.Endpoints.For(AwsService.DynamoDb, region).Url.ToString().TrimEnd('/'), SdkEndpoint(clients).TrimEnd('/'));
        Assert.Equal(AwsEndpoints.Regional(AwsService.Ec2, region, fips, dualStack).ToString().TrimEnd('/'),
            ec2.DetermineServiceOperationEndpoint(new DescribeSecurityGroupsRequest()).URL.TrimEnd('/'));
    }

    [Fact]
    public async Task An_endpoint_setting_that_is_not_a_url_fails_the_call_naming_it()
    {
        var clients = new AwsClients(new Dictionary<string, string?> { ["Aws:Region"] = "eu-west-1" },
            environment: name => name == "AWS_ENDPOINT_URL_ECS" ? "not a url" : null);

        var error = await Assert.ThrowsAsync<Webordinary.Dashboard.Platform.PlatformCallException>(() => clients.Ecs.ListServicesAsync("c", CancellationToken.None));

        Assert.Equal("InvalidEndpoint", error.ErrorCode);
        Assert.Contains("AWS_ENDPOINT_URL_ECS", error.ErrorMessage);
    }

    private static string? NoEnvironment(string name) => null;

    private static AwsService Service(string name) => AwsService.All.Single(s => s.Name == name);

    private static (string Url, string Source) Of(AwsEndpoints endpoints, AwsService service) =>
        endpoints.Configured(service) is { } configured ? (configured.Url.ToString(), configured.Source) : ("", "regional");

    private static string SdkEndpoint(AwsClients clients) =>
        clients.DynamoDbClient.Sdk.DetermineServiceOperationEndpoint(new ListTablesRequest()).URL;

    private static AwsEndpoints Endpoints(Dictionary<string, string?> environment, Dictionary<string, string?>? settings = null)
    {
        settings ??= [];
        settings.TryAdd("Aws:Region", "eu-west-1");
        return new AwsClients(settings, environment: name => environment.GetValueOrDefault(name)).Endpoints;
    }

    /// <summary>Asks the machine's botocore (moto's, so on every machine that runs these tests) for each endpoint.</summary>
    private static async Task<Dictionary<string, string>> BotocoreEndpointsAsync(IEnumerable<string> services, IEnumerable<string> regions)
    {
        const string script = """
            import itertools, sys, botocore.session
            from botocore.endpoint_provider import EndpointProvider
            services, regions = sys.argv[1].split(","), sys.argv[2].split(",")
            loader = botocore.session.get_session().get_component("data_loader")
            partitions = loader.load_data("partitions")
            for service in services:
                provider = EndpointProvider(loader.load_service_model(service, "endpoint-rule-set-1"), partitions)
                for region in regions:
                    for fips, dual in itertools.product([False, True], [False, True]):
                        url = provider.resolve_endpoint(Region=region, UseFIPS=fips, UseDualStack=dual).url
                        print(service, region, int(fips), int(dual), url)
            """;
        using var python = Process.Start(new ProcessStartInfo("python3", ["-c", script, string.Join(",", services), string.Join(",", regions)])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var output = python.StandardOutput.ReadToEndAsync();
        var errors = python.StandardError.ReadToEndAsync();
        await python.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(python.ExitCode == 0, $"botocore's endpoint provider failed: {await errors}");
        return (await output).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' '))
            .ToDictionary(parts => string.Join(' ', parts[..4]), parts => parts[4].TrimEnd('/'));
    }
}
