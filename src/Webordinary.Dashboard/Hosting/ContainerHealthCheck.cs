namespace Webordinary.Dashboard.Hosting;

/// <summary><c>dotnet Webordinary.Dashboard.dll healthcheck [url]</c>: exit 0 when <c>/alive</c> answers 200.</summary>
public static class ContainerHealthCheck
{
    public static async Task<int> RunAsync(string[] args)
    {
        var port = Environment.GetEnvironmentVariable("ASPNETCORE_HTTP_PORTS")?.Split(';')[0] ?? "8080";
        var url = args.Length > 1 ? args[1] : $"http://127.0.0.1:{port}/alive";
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            using var response = await client.GetAsync(url);
            return response.IsSuccessStatusCode ? 0 : 1;
        }
        catch (Exception exception)
        {
            await Console.Error.WriteLineAsync($"{url}: {exception.Message}");
            return 1;
        }
    }
}
