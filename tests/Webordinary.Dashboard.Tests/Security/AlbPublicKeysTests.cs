using System.Net;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Webordinary.Dashboard.Security;

namespace Webordinary.Dashboard.Tests.Security;

/// <summary>The ALB key cache: each key id that failed waits out its own backoff, and no key id waits on another's.</summary>
public sealed class AlbPublicKeysTests
{
    private const string RealKid = "real-key";

    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-12-07T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly Dictionary<string, int> _requests = [];
    private readonly AlbPublicKeys _keys;

    public AlbPublicKeysTests()
    {
        var auth = Options.Create(new AuthOptions { AlbOidc = { AlbArn = "arn:aws:elasticloadbalancing:eu-west-1:1:loadbalancer/app/x/1", KeyEndpoint = "http://keys.test" } });
        _keys = new AlbPublicKeys(new Factory(new KeyEndpoint(this)), auth, _time, NullLogger<AlbPublicKeys>.Instance);
    }

    [Fact]
    public async Task A_failed_key_id_is_asked_again_only_after_its_backoff_which_doubles()
    {
        await Assert.ThrowsAsync<HttpRequestException>(() => _keys.GetAsync("made-up", CancellationToken.None));
        await Assert.ThrowsAsync<AlbPublicKeys.UnavailableException>(() => _keys.GetAsync("made-up", CancellationToken.None));
        _time.Advance(AlbPublicKeys.FirstBackoff);
        await Assert.ThrowsAsync<HttpRequestException>(() => _keys.GetAsync("made-up", CancellationToken.None));
        _time.Advance(AlbPublicKeys.FirstBackoff);
        await Assert.ThrowsAsync<AlbPublicKeys.UnavailableException>(() => _keys.GetAsync("made-up", CancellationToken.None));
        _time.Advance(AlbPublicKeys.FirstBackoff);
        await Assert.ThrowsAsync<HttpRequestException>(() => _keys.GetAsync("made-up", CancellationToken.None));

        Assert.Equal(3, _requests["made-up"]);
    }

    [Fact]
    public async Task Thousands_of_made_up_key_ids_leave_a_new_real_key_fetched_at_once()
    {
        for (var i = 0; i < 2_000; i++)
        {
            await Assert.ThrowsAsync<HttpRequestException>(() => _keys.GetAsync($"made-up-{i}", CancellationToken.None));
        }

        var key = await _keys.GetAsync(RealKid, CancellationToken.None);
        await _keys.GetAsync(RealKid, CancellationToken.None);

        Assert.Equal(256, key.KeySize);
        Assert.Equal(1, _requests[RealKid]);
    }

    [Theory]
    [InlineData("real-key\n")]
    [InlineData("../real-key")]
    [InlineData("")]
    public async Task A_key_id_the_alb_does_not_write_is_never_asked_for(string kid)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => _keys.GetAsync(kid, CancellationToken.None));

        Assert.Empty(_requests);
    }

    private sealed class KeyEndpoint(AlbPublicKeysTests test) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var kid = request.RequestUri!.AbsolutePath.TrimStart('/');
            lock (test._requests)
            {
                test._requests[kid] = test._requests.GetValueOrDefault(kid) + 1;
            }

            return Task.FromResult(kid == RealKid
                ? new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(test._key.ExportSubjectPublicKeyInfoPem()) }
                : new HttpResponseMessage(HttpStatusCode.NotFound));
        }
    }

    private sealed class Factory(HttpMessageHandler handler) : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => new(handler, disposeHandler: false);
    }
}
