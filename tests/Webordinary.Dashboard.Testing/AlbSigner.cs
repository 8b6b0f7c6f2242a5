using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Webordinary.Dashboard.Testing;

/// <summary>
/// Stands in for an ALB with authenticate-oidc: an ES256 key, its public key served as PEM at <c>{KeyEndpoint}/{kid}</c>
/// (as the region's ALB key endpoint serves it), and <c>x-amzn-oidc-data</c> JWTs shaped like the ALB's (signer, exp
/// and kid in the header; base64url with the padding the ALB writes).
/// </summary>
public sealed class AlbSigner : IAsyncDisposable
{
    public const string AlbArn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/dashboard/50dc6c495c0c9188";
    public const string KeyId = "5f1a3c2e-8d4b-4e0f-9a7c-1b2d3e4f5a6b";

    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private WebApplication _keyServer = null!;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> _keyRequests = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, ECDsa> _rotatedKeys = new();

    public Uri KeyEndpoint { get; private set; } = null!;

    /// <summary>How many times the key endpoint was asked for <paramref name="kid"/>.</summary>
    public int KeyRequests(string kid = KeyId) => _keyRequests.GetValueOrDefault(kid);

    /// <summary>How many times the key endpoint was asked for any key.</summary>
    public int AllKeyRequests => _keyRequests.Values.Sum();

    /// <summary>A new key the ALB signs with from now on (as after a rotation), served under its own key id.</summary>
    public (string KeyId, ECDsa Key) RotateKey()
    {
        var rotated = (KeyId: Guid.NewGuid().ToString(), Key: ECDsa.Create(ECCurve.NamedCurves.nistP256));
        _rotatedKeys[rotated.KeyId] = rotated.Key;
        return rotated;
    }

    public static async Task<AlbSigner> StartAsync()
    {
        var signer = new AlbSigner();
        signer._keyServer = await StubServer.StartAsync(app => app.MapGet("/{kid}", (string kid) =>
        {
            signer._keyRequests.AddOrUpdate(kid, 1, (_, n) => n + 1);
            return kid == KeyId ? Results.Text(signer._key.ExportSubjectPublicKeyInfoPem(), "text/plain")
                : signer._rotatedKeys.TryGetValue(kid, out var rotated) ? Results.Text(rotated.ExportSubjectPublicKeyInfoPem(), "text/plain")
                : Results.NotFound();
        }));
        signer.KeyEndpoint = new Uri(signer._keyServer.Urls.First());
        return signer;
    }

    /// <summary>The dashboard's settings for this ALB; people in <paramref name="adminGroup"/> are Admins, others Viewers.</summary>
    public void Configure(IDictionary<string, string?> settings, string adminGroup = "dashboard-admins")
    {
        settings["Auth:Mode"] = "AlbOidc";
        settings["Auth:AlbOidc:AlbArn"] = AlbArn;
        settings["Auth:AlbOidc:KeyEndpoint"] = KeyEndpoint.ToString();
        settings["Auth:Roles:Admin:0"] = adminGroup;
        settings["AllowedHosts"] = "dashboard.example.test";
    }

    /// <param name="exp">Seconds since 1970 as written, when <paramref name="expires"/> cannot say it (out of range).</param>
    public string Token(string subject = "ada", string name = "Ada Admin", string[]? groups = null, string signer = AlbArn,
        DateTimeOffset? expires = null, string kid = KeyId, ECDsa? signWith = null, long? exp = null)
    {
        exp ??= (expires ?? DateTimeOffset.UtcNow.AddMinutes(2)).ToUnixTimeSeconds();
        var header = Encode(JsonSerializer.SerializeToUtf8Bytes(new { typ = "JWT", kid, alg = "ES256", iss = "https://idp.example.test", client = "dashboard", signer, exp }));
        var payload = Encode(JsonSerializer.SerializeToUtf8Bytes(new
        {
            sub = subject, name, email = $"{subject}@example.test", groups = groups ?? ["dashboard-admins"], exp, iss = "https://idp.example.test",
        }));
        var signature = (signWith ?? _key).SignData(Encoding.ASCII.GetBytes($"{header}.{payload}"), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return $"{header}.{payload}.{Encode(signature)}";
    }

    /// <summary>Base64url as the ALB writes it: with '=' padding.</summary>
    private static string Encode(byte[] bytes) => Convert.ToBase64String(bytes).Replace('+', '-').Replace('/', '_');

    public async ValueTask DisposeAsync()
    {
        await _keyServer.DisposeAsync();
        _key.Dispose();
        foreach (var key in _rotatedKeys.Values)
        {
            key.Dispose();
        }
    }
}
