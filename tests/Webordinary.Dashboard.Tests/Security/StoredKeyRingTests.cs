using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Logging.Abstractions;
using Webordinary.Dashboard.Security;
using Webordinary.Dashboard.Storage;
using Webordinary.Dashboard.Testing;

namespace Webordinary.Dashboard.Tests.Security;

/// <summary>
/// The Data Protection key ring in the store (here SQLite): the key files of an older build are imported on upgrade, so
/// what they protected (cookies, tokens) is still read once the files are gone; with a key-encryption certificate the
/// stored keys are encrypted, and read back only with it; while the store cannot be reached, the ring is what the
/// process has, and a key made meanwhile is written once the store answers.
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

    [Fact]
    public async Task While_the_store_cannot_be_reached_the_ring_is_what_the_process_has_and_a_key_made_meanwhile_is_written_once_it_answers()
    {
        var keys = new OutageKeys();
        var store = new OutageStore();
        var ring = new StoredKeyRing(keys, store, Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N")), NullLogger<StoredKeyRing>.Instance);
        ring.StoreElement(new XElement("key", new XAttribute("id", "1")), "key-1");
        Assert.Single(ring.GetAllElements());

        keys.Reachable = false;
        Assert.Equal(["1"], ring.GetAllElements().Select(k => k.Attribute("id")!.Value));
        ring.StoreElement(new XElement("key", new XAttribute("id", "2")), "key-2");
        Assert.Equal(["1", "2"], ring.GetAllElements().Select(k => k.Attribute("id")!.Value));
        Assert.Equal(["key-1"], keys.Names);

        keys.Reachable = true;
        store.Recover();

        await keys.Added.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(["key-1", "key-2"], keys.Names);
        Assert.Equal(["1", "2"], ring.GetAllElements().Select(k => k.Attribute("id")!.Value));
    }

    private static string Unprotect(DashboardHost host, string payload) => host.Get<IDataProtectionProvider>().CreateProtector(Purpose).Unprotect(payload);

    /// <summary>A store whose every call fails as an unreachable server's does while <see cref="Reachable"/> is false.</summary>
    private sealed class OutageKeys : IDataProtectionKeys
    {
        private readonly List<StoredDataProtectionKey> _stored = [];

        public volatile bool Reachable = true;

        /// <summary>Completes when a key is added after the first.</summary>
        public TaskCompletionSource Added { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public IReadOnlyList<string> Names
        {
            get
            {
                lock (_stored)
                {
                    return [.. _stored.Select(k => k.FriendlyName)];
                }
            }
        }

        public Task<IReadOnlyList<StoredDataProtectionKey>> ListAsync(CancellationToken cancellationToken)
        {
            ThrowUnlessReachable();
            lock (_stored)
            {
                return Task.FromResult<IReadOnlyList<StoredDataProtectionKey>>([.. _stored]);
            }
        }

        public Task<bool> AddAsync(StoredDataProtectionKey key, CancellationToken cancellationToken)
        {
            ThrowUnlessReachable();
            lock (_stored)
            {
                _stored.Add(key);
                if (_stored.Count > 1)
                {
                    Added.TrySetResult();
                }
            }

            return Task.FromResult(true);
        }

        private void ThrowUnlessReachable()
        {
            if (!Reachable)
            {
                throw new IOException("connection refused");
            }
        }
    }

    private sealed class OutageStore : IStore
    {
        public string Location => "test store";

        public StoreHealth Health { get; private set; } = StoreHealth.Ok;

        public event Action<StoreHealth>? HealthChanged;

        public void Recover() => HealthChanged?.Invoke(Health = StoreHealth.Ok);

        public Task MigrateAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task<bool> FlushAsync(CancellationToken cancellationToken) => Task.FromResult(true);

        public bool IsUnavailable(Exception exception) => exception is IOException;
    }
}
