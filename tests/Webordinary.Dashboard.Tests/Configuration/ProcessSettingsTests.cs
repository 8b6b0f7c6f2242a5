using Webordinary.Dashboard.Hosting;

namespace Webordinary.Dashboard.Tests.Configuration;

public sealed class ProcessSettingsTests
{
    [Fact]
    public void Apply_sizes_the_shared_array_pool_for_many_hub_connections_unless_the_operator_set_it()
    {
        const string Variable = ProcessSettings.ArraysPerPartitionVariable;
        var before = Environment.GetEnvironmentVariable(Variable);
        try
        {
            Environment.SetEnvironmentVariable(Variable, null);
            ProcessSettings.Apply();
            Assert.Equal("1024", Environment.GetEnvironmentVariable(Variable));

            Environment.SetEnvironmentVariable(Variable, "64");
            ProcessSettings.Apply();
            Assert.Equal("64", Environment.GetEnvironmentVariable(Variable));
        }
        finally
        {
            Environment.SetEnvironmentVariable(Variable, before);
        }
    }
}
