using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.DataProtection;
using Webordinary.Dashboard.Storage;
using Webordinary.Dashboard.Testing;

namespace Webordinary.Dashboard.Tests.Security;

/// <summary>
/// The Data Protection key ring in the store (here SQLite): the key files of an older build are imported on upgrade, so
/// what they protected (cookies, tokens) is still read once the files are gone; with a key-encryption certificate the
/// stored keys are encrypted, and read back only with it.
/// </summary>
public sealed class StoredKeyRingTests
{
    private const string Purpose = nameof(StoredKeyRingTests);

    [Fact]
    public async Task File_keys_of_an_older_build_are_imported_so_what_they_protected_is_still_read_after_the_files_are_gone()
    {
        var contentRoot = Directory.CreateTempSubdirectory("key-ring-").FullName;
        var keyFiles = Path.Combine(contentRoot, "data", "keys");
        // What an older build did: the key ring as files in the data directory, under the dashboard's application name.
        var older = DataProtectionProvider.Create(new DirectoryInfo(keyFiles), builder => builder.SetApplicationName("Webordinary.Dashboard"));
        var protectedByOlder = older.CreateProtector(Purpose).Protect("signed in before the upgrade");
        var fileKey = Path.GetFileNameWithoutExtension(Assert.Single(Directory.GetFiles(keyFiles, "*.xml")));

        await using (var upgraded = await DashboardHost.StartAsync(DashboardHost.BaseSettings(), contentRoot))
        {
            Assert.Equal("signed in before the upgrade", Unprotect(upgraded, protectedByOlder));
            Assert.Equal([fileKey], (await upgraded.Get<IDataProtectionKeys>().ListAsync(CancellationToken.None)).Select(k => k.FriendlyName));
        }

        Directory.Delete(keyFiles, recursive: true);
        await using var next = await DashboardHost.StartAsync(DashboardHost.BaseSettings(), contentRoot);
        Assert.Equal("signed in before the upgrade", Unprotect(next, protectedByOlder));
    }

    [Fact]
    public async Task With_a_key_encryption_certificate_the_stored_keys_are_encrypted_and_read_back_only_with_it()
    {
        using var rsa = RSA.Create(2048);
        using var certificate = new CertificateRequest("CN=dashboard-keys", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        var settings = DashboardHost.BaseSettings();
        settings["Auth:KeyEncryption:Certificate"] = Convert.ToBase64String(certificate.Export(X509ContentType.Pfx, "pfx password"));
        settings["Auth:KeyEncryption:CertificatePassword"] = "pfx password";
        var contentRoot = Directory.CreateTempSubdirectory("key-ring-").FullName;

        string protectedPayload;
        await using (var first = await DashboardHost.StartAsync(settings, contentRoot))
        {
            protectedPayload = first.Get<IDataProtectionProvider>().CreateProtector(Purpose).Protect("payload");
            var stored = Assert.Single(await first.Get<IDataProtectionKeys>().ListAsync(CancellationToken.None));
            Assert.Contains("EncryptedData", stored.Xml);
            Assert.DoesNotContain("<value>", stored.Xml);
        }

        await using (var restarted = await DashboardHost.StartAsync(settings, contentRoot))
        {
            Assert.Equal("payload", Unprotect(restarted, protectedPayload));
        }

        settings.Remove("Auth:KeyEncryption:Certificate");
        settings.Remove("Auth:KeyEncryption:CertificatePassword");
        await using var withoutCertificate = await DashboardHost.StartAsync(settings, contentRoot);
        Assert.ThrowsAny<CryptographicException>(() => Unprotect(withoutCertificate, protectedPayload));
    }

    private static string Unprotect(DashboardHost host, string payload) => host.Get<IDataProtectionProvider>().CreateProtector(Purpose).Unprotect(payload);
}
