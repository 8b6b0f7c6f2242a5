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
/// the store has none, so an upgrade signs nobody out.
/// </summary>
public sealed class StoredKeyRing(IDataProtectionKeys keys, string fileKeysDirectory, ILogger<StoredKeyRing> logger) : IXmlRepository
{
    // IXmlRepository is synchronous. The ring is read at start and then about once a day (or when a payload names a key
    // this process lacks), and written once per key (every 90 days): blocking a thread here costs nothing that matters.
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        var stored = keys.ListAsync(CancellationToken.None).GetAwaiter().GetResult();
        if (stored.Count == 0 && ImportFileKeys() > 0)
        {
            stored = keys.ListAsync(CancellationToken.None).GetAwaiter().GetResult();
        }

        return [.. stored.Select(key => XElement.Parse(key.Xml))];
    }

    public void StoreElement(XElement element, string friendlyName) =>
        keys.AddAsync(new StoredDataProtectionKey(friendlyName, element.ToString(SaveOptions.DisableFormatting)), CancellationToken.None).GetAwaiter().GetResult();

    /// <summary>The file keys as they were written (a name the store has already is left alone, so instances may race).</summary>
    private int ImportFileKeys()
    {
        if (!Directory.Exists(fileKeysDirectory))
        {
            return 0;
        }

        var imported = 0;
        foreach (var file in Directory.EnumerateFiles(fileKeysDirectory, "*.xml"))
        {
            XElement element;
            try
            {
                element = XElement.Load(file);
            }
            catch (XmlException exception)
            {
                logger.LogWarning("The Data Protection key file {File} is not XML and was not imported: {Error}", file, exception.Message);
                continue;
            }

            if (keys.AddAsync(new StoredDataProtectionKey(Path.GetFileNameWithoutExtension(file), element.ToString(SaveOptions.DisableFormatting)),
                    CancellationToken.None).GetAwaiter().GetResult())
            {
                imported++;
            }
        }

        if (imported > 0)
        {
            logger.LogInformation("Imported {Count} Data Protection keys from {Directory} into the store", imported, fileKeysDirectory);
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
        builder.Services.AddSingleton(sp => new StoredKeyRing(sp.GetRequiredService<IDataProtectionKeys>(), fileKeysDirectory, sp.GetRequiredService<ILogger<StoredKeyRing>>()));
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
