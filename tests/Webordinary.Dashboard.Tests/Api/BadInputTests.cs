using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Webordinary.Dashboard.Probes.Audit;
using Webordinary.Dashboard.Testing;

namespace Webordinary.Dashboard.Tests.Api;

/// <summary>Bodies the API cannot take are a 4xx ProblemDetails saying why, at the binding, before anything is stored or audited.</summary>
public sealed class BadInputTests(SecurityHostForOpenApi fixture) : IClassFixture<SecurityHostForOpenApi>
{
    /// <summary>Every endpoint that takes a JSON body, with a body it would accept.</summary>
    public static TheoryData<string, string, string> JsonEndpoints => new()
    {
        { "POST", $"api/services/{AttackTarget.Hermes}/scale", """{"desiredCount":1}""" },
        { "POST", "api/maintenance", """{"reason":"patching","duration":"01:00:00"}""" },
        { "POST", "api/keys", """{"name":"charset-test","role":"Viewer"}""" },
        { "PUT", "api/sandbox/faults/efs", """{"mode":"none"}""" },
    };

    [Theory]
    [InlineData("NaN")]
    [InlineData("\"NaN\"")]
    [InlineData("\"Infinity\"")]
    [InlineData("\"-Infinity\"")]
    [InlineData("1e400")]
    public async Task A_fault_with_a_rate_that_is_not_a_finite_number_is_400_and_neither_stored_nor_audited(string rate)
    {
        using var http = fixture.Host.CreateClient();

        var response = await SendAsync(http, "PUT", "api/sandbox/faults/efs", $$"""{"mode":"slow","latencyMs":10,"errorRate":{{rate}}}""");
        var faults = await http.GetAsync("api/sandbox/faults");

        await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(HttpStatusCode.OK, faults.StatusCode);
        Assert.Equal("none", (await faults.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("efs").GetProperty("mode").GetString());
        var audit = await fixture.Host.Get<AuditLog>().ListAsync(new AuditQuery(Action: AuditAction.SandboxFault, Target: "efs"), CancellationToken.None);
        Assert.DoesNotContain(audit, e => e.Outcome == AuditOutcomes.Done);
    }

    [Theory]
    [MemberData(nameof(JsonEndpoints))]
    public async Task A_json_body_in_an_unknown_charset_is_415_on_every_json_endpoint(string method, string path, string body)
    {
        using var http = fixture.Host.CreateClient();
        foreach (var charset in new[] { "ebcdic", "utf-7", "x-nope", "\"\"" })
        {
            var response = await SendAsync(http, method, path, body, $"application/json; charset={charset}");

            await AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
        }
    }

    [Theory]
    [MemberData(nameof(JsonEndpoints))]
    public async Task A_body_with_a_duplicate_key_or_an_unknown_field_is_400_on_every_json_endpoint(string method, string path, string body)
    {
        using var http = fixture.Host.CreateClient();
        var first = JsonDocument.Parse(body).RootElement.EnumerateObject().First();
        var duplicate = body.Insert(1, $"\"{first.Name}\":{first.Value.GetRawText()},");
        var unknown = body.Insert(1, "\"isAdmin\":true,");

        await AssertProblemAsync(await SendAsync(http, method, path, duplicate), HttpStatusCode.BadRequest, "Duplicate");
        await AssertProblemAsync(await SendAsync(http, method, path, unknown), HttpStatusCode.BadRequest, "isAdmin");
    }

    [Theory]
    [InlineData("2914000.00:00:00")]
    [InlineData("-2914000.00:00:00")]
    [InlineData("10675199.02:48:05.4775807")]
    [InlineData("-10675199.02:48:05.4775808")]
    public async Task A_maintenance_duration_beyond_the_calendar_is_400(string duration)
    {
        using var http = fixture.Host.CreateClient();

        var response = await SendAsync(http, "POST", "api/maintenance", $$"""{"reason":"forever","duration":"{{duration}}"}""");

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "a window lasts from 1 minute to 7 days");
    }

    [Fact]
    public async Task A_change_whose_write_fails_for_the_disk_is_503_before_the_store_has_noticed_and_a_statements_own_error_is_not()
    {
        var full = await HandleAsync(new SqliteException("database or disk is full", 13));
        var bug = await HandleAsync(new SqliteException("no such table: nope", 1));

        Assert.NotNull(full);
        Assert.Equal(StatusCodes.Status503ServiceUnavailable, full!.Response.StatusCode);
        Assert.Contains("Results are not being stored", Encoding.UTF8.GetString(((MemoryStream)full.Response.Body).ToArray()));
        Assert.Null(bug);
    }

    /// <summary>The app's exception handlers, in order, as the exception handler middleware asks them: the context of the one that took it.</summary>
    private async Task<HttpContext?> HandleAsync(Exception exception)
    {
        var context = new DefaultHttpContext { RequestServices = fixture.Host.Services, Response = { Body = new MemoryStream() } };
        foreach (var handler in fixture.Host.Services.GetServices<IExceptionHandler>())
        {
            if (await handler.TryHandleAsync(context, exception, CancellationToken.None))
            {
                return context;
            }
        }

        return null;
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient http, string method, string path, string body, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body)) };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        return await http.SendAsync(request);
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string? detail = null)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        if (detail is not null)
        {
            Assert.Contains(detail, text);
        }
    }
}
