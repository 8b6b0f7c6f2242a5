using Microsoft.Extensions.Options;
using Webordinary.Dashboard.Probes.Configuration;

namespace Webordinary.Dashboard.Security;

/// <summary>Checks the <c>Auth</c> section at start; every message names the key to fix.</summary>
internal sealed class AuthOptionsValidator(IConfiguration configuration) : IValidateOptions<AuthOptions>
{
    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        const string root = AuthOptions.SectionName;
        var errors = new List<string>();
        var configured = configuration[$"{root}:Mode"];
        if (configured is not null && !Enum.GetNames<AuthMode>().Contains(configured, StringComparer.OrdinalIgnoreCase))
        {
            errors.Add($"{root}:Mode must be None, Oidc or AlbOidc (got '{configured}').");
        }

        switch (options.Mode)
        {
            case AuthMode.Oidc:
                if (!Uri.TryCreate(options.Oidc.Authority, UriKind.Absolute, out var authority)
                    || (authority.Scheme != Uri.UriSchemeHttps && (options.Oidc.RequireHttpsMetadata || authority.Scheme != Uri.UriSchemeHttp)))
                {
                    errors.Add($"{root}:Oidc:Authority must be the provider's https issuer URL, e.g. https://login.example.com (got '{options.Oidc.Authority}').");
                }

                if (string.IsNullOrWhiteSpace(options.Oidc.ClientId))
                {
                    errors.Add($"{root}:Oidc:ClientId is required with {root}:Mode Oidc.");
                }

                if (!options.Oidc.Scopes.Contains("openid"))
                {
                    errors.Add($"{root}:Oidc:Scopes must include openid.");
                }

                break;
            case AuthMode.AlbOidc:
                if (options.AlbOidc.AlbArn?.Split(':') is not [_, _, "elasticloadbalancing", { Length: > 0 }, { Length: > 0 }, var resource] || !resource.StartsWith("loadbalancer/app/", StringComparison.Ordinal))
                {
                    errors.Add($"{root}:AlbOidc:AlbArn must be the ALB's ARN, e.g. arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/dashboard/50dc6c495c0c9188 (got '{options.AlbOidc.AlbArn}').");
                }

                if (!string.IsNullOrEmpty(options.AlbOidc.KeyEndpoint) && !Uri.TryCreate(options.AlbOidc.KeyEndpoint, UriKind.Absolute, out _))
                {
                    errors.Add($"{root}:AlbOidc:KeyEndpoint must be an absolute URL (got '{options.AlbOidc.KeyEndpoint}').");
                }

                break;
        }

        using (KeyEncryptionCertificate.Load(options.KeyEncryption, out var keyEncryptionProblem))
        {
            if (keyEncryptionProblem is not null)
            {
                errors.Add(keyEncryptionProblem);
            }
        }

        foreach (var (key, claim) in new[] { ("Oidc", options.Oidc.RolesClaim), ("AlbOidc", options.AlbOidc.RolesClaim) })
        {
            if (string.IsNullOrWhiteSpace(claim) || claim.StartsWith("dashboard:", StringComparison.OrdinalIgnoreCase))
            {
                errors.Add($"{root}:{key}:RolesClaim must name the provider's groups claim, e.g. groups or cognito:groups (got '{claim}').");
            }
        }

        if (options.DefaultRole != "None" && !Enum.TryParse<DashboardRole>(options.DefaultRole, out _))
        {
            errors.Add($"{root}:DefaultRole must be Viewer, Operator, Admin or None (got '{options.DefaultRole}').");
        }

        // The binder skips dictionary entries it cannot convert; read them from the configuration to name them.
        foreach (var role in configuration.GetSection($"{root}:Roles").GetChildren())
        {
            if (!Enum.TryParse<DashboardRole>(role.Key, out _))
            {
                errors.Add($"{root}:Roles:{role.Key} is not a role: use Viewer, Operator or Admin.");
            }
        }

        var hashes = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var key in configuration.GetSection($"{root}:ApiKeys").GetChildren())
        {
            var prefix = $"{root}:ApiKeys:{key.Key}";
            if (!ProbeIdFormat.IsValid(key.Key))
            {
                errors.Add($"{prefix}: a key's name may contain only letters, digits, '-' and '_' (at most 64).");
            }

            var sha = key["Sha256"];
            if (sha is not { Length: 64 } || !sha.All(char.IsAsciiHexDigit))
            {
                errors.Add($"{prefix}:Sha256 must be the key's SHA-256 as 64 hex digits (printf %s \"$KEY\" | sha256sum), not the key itself.");
            }
            else if (!hashes.Add(sha))
            {
                errors.Add($"{prefix}:Sha256 is the same as another key's.");
            }

            if (key["Role"] is { } roleName && !Enum.TryParse<DashboardRole>(roleName, out _))
            {
                errors.Add($"{prefix}:Role must be Viewer, Operator or Admin (got '{roleName}').");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
