namespace Webordinary.Dashboard.Security;

public enum AuthMode
{
    /// <summary>No sign-in: loopback only, and the local user is Admin.</summary>
    None,

    /// <summary>The dashboard signs people in with an OpenID Connect provider (code flow with PKCE) and keeps a cookie.</summary>
    Oidc,

    /// <summary>An ALB listener rule with authenticate-oidc signs people in; the dashboard verifies the ALB's signed header.</summary>
    AlbOidc,
}

/// <summary>What a person or key may do; each role may do what the ones before it may.</summary>
public enum DashboardRole
{
    /// <summary>Read everything.</summary>
    Viewer,

    /// <summary>Run probes now, pause and resume schedules.</summary>
    Operator,

    /// <summary>Scale services, inject sandbox faults, manage API keys.</summary>
    Admin,
}

/// <summary><c>Auth</c> section.</summary>
public sealed class AuthOptions
{
    public const string SectionName = "Auth";

    public AuthMode Mode { get; set; } = AuthMode.None;

    public OidcSettings Oidc { get; set; } = new();

    public AlbOidcSettings AlbOidc { get; set; } = new();

    /// <summary>Values of the roles claim (groups) that give each role, e.g. <c>Auth:Roles:Admin:0 = platform-admins</c>.</summary>
    public Dictionary<DashboardRole, List<string>> Roles { get; set; } = [];

    /// <summary>The role of a signed-in person whose groups name none: <c>Viewer</c> (default) or <c>None</c> (no access).</summary>
    public string DefaultRole { get; set; } = nameof(DashboardRole.Viewer);

    /// <summary>API keys from configuration, by name: only the SHA-256 of each key, and its role.</summary>
    public Dictionary<string, ApiKeySettings> ApiKeys { get; set; } = new(StringComparer.Ordinal);

    /// <summary>How the Data Protection keys in the store are protected at rest.</summary>
    public KeyEncryptionSettings KeyEncryption { get; set; } = new();
}

/// <summary>
/// The certificate that encrypts the Data Protection keys the dashboard stores in its database. Without one they are
/// stored as plain XML, protected by the database's own encryption at rest and access (the zero-setup default).
/// </summary>
public sealed class KeyEncryptionSettings
{
    /// <summary>
    /// A PKCS#12 (.pfx) certificate with its RSA private key, base64 — e.g. a Secrets Manager secret given to the ECS
    /// task as an environment variable (<c>Auth__KeyEncryption__Certificate</c>).
    /// </summary>
    public string? Certificate { get; set; }

    public string? CertificatePassword { get; set; }
}

public sealed class OidcSettings
{
    /// <summary>The issuer, e.g. <c>https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf</c>.</summary>
    public string? Authority { get; set; }

    public string? ClientId { get; set; }

    public string? ClientSecret { get; set; }

    /// <summary>The claim that carries the person's groups: <c>groups</c> (Okta, Entra ID), <c>cognito:groups</c> (Cognito).</summary>
    public string RolesClaim { get; set; } = "groups";

    public List<string> Scopes { get; set; } = ["openid", "profile", "email"];

    /// <summary>Only for a provider on plain HTTP during development and tests.</summary>
    public bool RequireHttpsMetadata { get; set; } = true;
}

public sealed class AlbOidcSettings
{
    /// <summary>The ALB's ARN: the signed header's <c>signer</c> must be exactly this.</summary>
    public string? AlbArn { get; set; }

    /// <summary>Where the ALB's public keys are: <c>{KeyEndpoint}/{kid}</c>. Default: the ALB's region's endpoint.</summary>
    public string? KeyEndpoint { get; set; }

    /// <summary>The user claim that carries the person's groups.</summary>
    public string RolesClaim { get; set; } = "groups";
}

public sealed class ApiKeySettings
{
    /// <summary>Hex SHA-256 of the key (<c>printf %s "$KEY" | sha256sum</c>).</summary>
    public string? Sha256 { get; set; }

    public DashboardRole Role { get; set; } = DashboardRole.Viewer;
}
