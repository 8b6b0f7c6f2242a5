using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Xml;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.Options;
using Webordinary.Dashboard.Storage;

namespace Webordinary.Dashboard.Security;

/// <summary>
/// The Data Protection key ring in the store (<see cref="IDataProtectionKeys"/>), so every instance — and the next
/// process after a restart or deploy — reads the keys that protected the cookies, sessions, antiforgery tokens and
/// circuits already out there. Keys an older build kept as files in <c>&lt;DataDirectory&gt;/keys</c> are imported while
/// the store has none, so an upgrade signs nobody out. While the store cannot be reached, the ring is the keys this
/// process read last and those it made meanwhile, so pages still render; a key made then is written once the store
/// answers (its health turns, or the ring is read again).
/// </summary>
public sealed class StoredKeyRing : IXmlRepository
{
    private readonly IDataProtectionKeys _keys;
    private readonly IStore _store;
    private readonly string _fileKeysDirectory;
    private readonly ILogger<StoredKeyRing> _logger;
    private readonly Lock _gate = new();

    // Per process by nature: what this process last read, and what it could not write yet (guarded by _gate).
    private IReadOnlyList<StoredDataProtectionKey> _lastRead = [];
    private readonly List<StoredDataProtectionKey> _unsaved = [];

    public StoredKeyRing(IDataProtectionKeys keys, IStore store, string fileKeysDirectory, ILogger<StoredKeyRing> logger)
    {
        _keys = keys;
        _store = store;
        _fileKeysDirectory = fileKeysDirectory;
        _logger = logger;
        _store.HealthChanged += health =>
        {
            if (health.Healthy && UnsavedCount > 0)
            {
                _ = Task.Run(TrySave);
            }
        };
    }

    private int UnsavedCount
    {
        get
        {
            lock (_gate)
            {
                return _unsaved.Count;
            }
        }
    }

    // IXmlRepository is synchronous. The ring is read at start and then about once a day (or when a payload names a key
    // this process lacks), and written once per key (every 90 days): blocking a thread here costs nothing that matters.
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        IReadOnlyList<StoredDataProtectionKey> stored;
        try
        {
            SaveUnsaved();
            stored = _keys.ListAsync(CancellationToken.None).GetAwaiter().GetResult();
            if (stored.Count == 0 && ImportFileKeys() > 0)
            {
                stored = _keys.ListAsync(CancellationToken.None).GetAwaiter().GetResult();
            }
        }
        catch (Exception exception) when (_store.IsUnavailable(exception))
        {
            _logger.LogWarning("The Data Protection keys cannot be read from the store {Location} ({Error}): using the {Count} this process has",
                _store.Location, exception.Message, _lastRead.Count + UnsavedCount);
            lock (_gate)
            {
                return [.. _lastRead.Concat(_unsaved).Select(key => XElement.Parse(key.Xml))];
            }
        }

        lock (_gate)
        {
            _lastRead = stored;
            return [.. stored.Concat(_unsaved.Where(key => stored.All(s => s.FriendlyName != key.FriendlyName))).Select(key => XElement.Parse(key.Xml))];
        }
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        var key = new StoredDataProtectionKey(friendlyName, element.ToString(SaveOptions.DisableFormatting));
        try
        {
            _keys.AddAsync(key, CancellationToken.None).GetAwaiter().GetResult();
        }
        catch (Exception exception) when (_store.IsUnavailable(exception))
        {
            _logger.LogWarning("The new Data Protection key {Name} cannot be written to the store {Location} ({Error}): kept in memory until the store answers",
                friendlyName, _store.Location, exception.Message);
            lock (_gate)
            {
                _unsaved.Add(key);
            }
        }
    }

    /// <summary>Writes the keys made while the store could not be reached; throws when it still cannot be.</summary>
    private void SaveUnsaved()
    {
        List<StoredDataProtectionKey> pending;
        lock (_gate)
        {
            pending = [.. _unsaved];
        }

        foreach (var key in pending)
        {
            _keys.AddAsync(key, CancellationToken.None).GetAwaiter().GetResult();
            lock (_gate)
            {
                _unsaved.Remove(key);
            }

            _logger.LogInformation("The Data Protection key {Name} made while the store could not be reached is written to it", key.FriendlyName);
        }
    }

    private void TrySave()
    {
        try
        {
            SaveUnsaved();
        }
        catch (Exception exception) when (_store.IsUnavailable(exception))
        {
            // Not yet: the next change of health, or the next read of the ring, tries again.
        }
    }

    /// <summary>The file keys as they were written (a name the store has already is left alone, so instances may race).</summary>
    private int ImportFileKeys()
    {
        if (!Directory.Exists(_fileKeysDirectory))
        {
            return 0;
        }

        var imported = 0;
        foreach (var file in Directory.EnumerateFiles(_fileKeysDirectory, "*.xml"))
        {
            XElement element;
            try
            {
                element = XElement.Load(file);
            }
            catch (XmlException exception)
            {
                _logger.LogWarning("The Data Protection key file {File} is not XML and was not imported: {Error}", file, exception.Message);
                continue;
            }

            if (_keys.AddAsync(new StoredDataProtectionKey(Path.GetFileNameWithoutExtension(file), element.ToString(SaveOptions.DisableFormatting)),
                    CancellationToken.None).GetAwaiter().GetResult())
            {
                imported++;
            }
        }

        if (imported > 0)
        {
            _logger.LogInformation("Imported {Count} Data Protection keys from {Directory} into the store", imported, _fileKeysDirectory);
        }

        return imported;
    }
}

/// <summary>The certificate of <c>Auth:KeyEncryption:Certificate</c>, which encrypts the stored Data Protection keys.</summary>
public static class KeyEncryptionCertificate
{
    /// <summary>The settings' certificate; null with <paramref name="problem"/> saying what is wrong (naming the key), or null when none is configured.</summary>
    public static X509Certificate2? Load(KeyEncryptionSettings settings, out string? problem)
    {
        const string key = $"{AuthOptions.SectionName}:KeyEncryption:{nameof(KeyEncryptionSettings.Certificate)}";
        problem = null;
        if (string.IsNullOrWhiteSpace(settings.Certificate))
        {
            return null;
        }

        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadPkcs12(Convert.FromBase64String(settings.Certificate.Trim()), settings.CertificatePassword,
                X509KeyStorageFlags.EphemeralKeySet);
        }
        catch (Exception exception) when (exception is FormatException or CryptographicException)
        {
            problem = $"{key} must be a PKCS#12 (.pfx) certificate with its RSA private key, base64 (with {key}Password if it has one): {exception.Message.TrimEnd('.')}.";
            return null;
        }

        using var privateKey = certificate.GetRSAPrivateKey();
        if (privateKey is null)
        {
            problem = $"{key} must hold an RSA private key (the certificate {certificate.Subject} has none): the stored keys are encrypted with it and read back with it.";
            certificate.Dispose();
            return null;
        }

        return certificate;
    }
}

public static class StoredKeyRingExtensions
{
    /// <summary>
    /// Keeps the key ring in the store (<see cref="StoredKeyRing"/>), importing the file keys of <paramref name="fileKeysDirectory"/>
    /// into a store that has none, and encrypts new keys with the certificate of <c>Auth:KeyEncryption:Certificate</c> when
    /// one is configured (one that does not load stops the start in <see cref="AuthOptionsValidator"/>, naming the key).
    /// </summary>
    public static IDataProtectionBuilder PersistKeysToStore(this IDataProtectionBuilder builder, string fileKeysDirectory, IConfiguration configuration)
    {
        builder.Services.AddSingleton(sp => new StoredKeyRing(sp.GetRequiredService<IDataProtectionKeys>(), sp.GetRequiredService<IStore>(), fileKeysDirectory,
            sp.GetRequiredService<ILogger<StoredKeyRing>>()));
        builder.Services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(sp =>
            new ConfigureOptions<KeyManagementOptions>(options => options.XmlRepository = sp.GetRequiredService<StoredKeyRing>()));
        var settings = configuration.GetSection($"{AuthOptions.SectionName}:{nameof(AuthOptions.KeyEncryption)}").Get<KeyEncryptionSettings>() ?? new KeyEncryptionSettings();
        if (KeyEncryptionCertificate.Load(settings, out _) is { } certificate)
        {
            // Encrypts each new key and reads back the keys it encrypted; keys stored before it was configured stay readable.
            builder.ProtectKeysWithCertificate(certificate);
        }

        return builder;
    }
}
