using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;

namespace AsiOpsPortal.Web.Infrastructure;

/// <summary>
/// The key-encryption key (KEK): Data Protection's key ring lives in the database beside the kubeconfigs it protects, so
/// its keys are encrypted with a key kept outside the database. Without it a database dump alone decrypts every secret.
/// </summary>
public sealed class KeyEncryptionOptions
{
    public const string Section = "Portal:KeyEncryption";

    /// <summary>A file holding 32 random bytes in base64 (`head -c 32 /dev/urandom | base64`). New keys are encrypted with it.</summary>
    public string? KeyFile { get; set; }

    /// <summary>Key files used before a rotation: keys they encrypted stay readable; nothing new is encrypted with them.</summary>
    public List<string> PreviousKeyFiles { get; set; } = [];

    /// <summary>Instead of a key file: a PFX (PKCS#12) certificate with its private key. New keys are encrypted to it.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>The PFX's password; give it by environment (Portal__KeyEncryption__CertificatePassword), never in a file in git.</summary>
    public string? CertificatePassword { get; set; }

    /// <summary>Certificates used before a rotation, so keys encrypted to them stay readable.</summary>
    public List<PreviousCertificate> PreviousCertificates { get; set; } = [];

    public bool Configured => !string.IsNullOrWhiteSpace(KeyFile) || !string.IsNullOrWhiteSpace(CertificatePath);

    public sealed class PreviousCertificate
    {
        public string Path { get; set; } = "";
        public string? Password { get; set; }
    }
}

public static class KeyEncryptionExtensions
{
    public const string MissingInProduction =
        "Portal:KeyEncryption is not set, and in Production the portal refuses to keep its Data Protection keys (which decrypt every stored kubeconfig) unencrypted in the database. " +
        "Set Portal:KeyEncryption:KeyFile to a file holding 32 random bytes in base64 (e.g. `head -c 32 /dev/urandom | base64 > kek.key && chmod 600 kek.key`), " +
        "or Portal:KeyEncryption:CertificatePath to a PFX file (its password in Portal:KeyEncryption:CertificatePassword). See docs/security.md.";

    /// <summary>
    /// Encrypts every key Data Protection writes with the configured key file or certificate, and accepts the previous ones
    /// for reading. Throws with a message saying what to fix when a setting is wrong.
    /// </summary>
    public static IDataProtectionBuilder ProtectKeysWith(this IDataProtectionBuilder builder, KeyEncryptionOptions options)
    {
        var hasKeyFile = !string.IsNullOrWhiteSpace(options.KeyFile);
        var hasCertificate = !string.IsNullOrWhiteSpace(options.CertificatePath);
        if (hasKeyFile && hasCertificate)
            throw new InvalidOperationException("Portal:KeyEncryption has both KeyFile and CertificatePath; set only one.");
        if (hasKeyFile)
        {
            var keys = new KeyEncryptionKeys(
                KeyEncryptionKey.Read(options.KeyFile!, "Portal:KeyEncryption:KeyFile"),
                options.PreviousKeyFiles.Select((path, i) => KeyEncryptionKey.Read(path, $"Portal:KeyEncryption:PreviousKeyFiles:{i}")).ToList());
            builder.Services.AddSingleton(keys);
            builder.Services.Configure<KeyManagementOptions>(o => o.XmlEncryptor = new KeyFileXmlEncryptor(keys));
        }
        else if (hasCertificate)
        {
            var current = LoadCertificate(options.CertificatePath!, options.CertificatePassword, "Portal:KeyEncryption:CertificatePath");
            var previous = options.PreviousCertificates
                .Select((c, i) => LoadCertificate(c.Path, c.Password, $"Portal:KeyEncryption:PreviousCertificates:{i}:Path"));
            builder.ProtectKeysWithCertificate(current);
            // Outside Windows the decryptor looks for private keys only in the certificates it is given, not in a store.
            builder.UnprotectKeysWithAnyCertificate([current, .. previous]);
        }
        return builder;
    }

    private static X509Certificate2 LoadCertificate(string path, string? password, string setting)
    {
        if (!File.Exists(path)) throw new InvalidOperationException($"{setting}: no certificate file at '{path}'.");
        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadPkcs12FromFile(path, password, X509KeyStorageFlags.EphemeralKeySet);
        }
        catch (CryptographicException)
        {
            throw new InvalidOperationException($"{setting}: '{path}' is not a PFX (PKCS#12) file this password opens. Check the file and Portal:KeyEncryption:CertificatePassword.");
        }
        if (!certificate.HasPrivateKey)
            throw new InvalidOperationException($"{setting}: '{path}' holds no private key, so keys encrypted to it could never be read back.");
        return certificate;
    }
}

/// <summary>A 32-byte AES key read from a file, named by a short fingerprint so a stored key says which KEK encrypted it.</summary>
public sealed class KeyEncryptionKey
{
    public const int Length = 32;

    private KeyEncryptionKey(byte[] bytes)
    {
        Bytes = bytes;
        Id = Convert.ToHexStringLower(SHA256.HashData(bytes))[..16];
    }

    internal byte[] Bytes { get; }
    public string Id { get; }

    public static KeyEncryptionKey Read(string path, string setting)
    {
        if (!File.Exists(path)) throw new InvalidOperationException($"{setting}: no key file at '{path}'.");
        byte[] bytes;
        try { bytes = Convert.FromBase64String(File.ReadAllText(path).Trim()); }
        catch (FormatException) { bytes = []; }
        if (bytes.Length != Length)
            throw new InvalidOperationException($"{setting}: '{path}' must hold {Length} random bytes in base64 (e.g. `head -c {Length} /dev/urandom | base64`).");
        return new KeyEncryptionKey(bytes);
    }
}

/// <summary>The key new keys are encrypted with, and the previous ones that may still have encrypted older keys.</summary>
public sealed class KeyEncryptionKeys(KeyEncryptionKey current, IReadOnlyList<KeyEncryptionKey> previous)
{
    public KeyEncryptionKey Current { get; } = current;

    public KeyEncryptionKey? Find(string id) => Current.Id == id ? Current : previous.FirstOrDefault(k => k.Id == id);
}

/// <summary>AES-256-GCM over the key's XML; the element names the KEK by fingerprint and <see cref="KeyFileXmlDecryptor"/> as its reader.</summary>
public sealed class KeyFileXmlEncryptor(KeyEncryptionKeys keys) : IXmlEncryptor
{
    internal const string ElementName = "kekEncryptedKey";
    private const int NonceBytes = 12;
    private const int TagBytes = 16;
    // Binds the ciphertext to its purpose, so it cannot be replayed as some other AES-GCM message under the same key.
    internal static readonly byte[] AssociatedData = Encoding.UTF8.GetBytes("AsiOpsPortal.DataProtectionKey.v1");

    public EncryptedXmlInfo Encrypt(XElement plaintextElement)
    {
        var plaintext = Encoding.UTF8.GetBytes(plaintextElement.ToString(SaveOptions.DisableFormatting));
        var nonce = RandomNumberGenerator.GetBytes(NonceBytes);
        var ciphertext = new byte[plaintext.Length];
        var tag = new byte[TagBytes];
        using (var aes = new AesGcm(keys.Current.Bytes, TagBytes))
            aes.Encrypt(nonce, plaintext, ciphertext, tag, AssociatedData);
        CryptographicOperations.ZeroMemory(plaintext);
        var element = new XElement(ElementName,
            new XAttribute("kek", keys.Current.Id),
            new XElement("nonce", Convert.ToBase64String(nonce)),
            new XElement("tag", Convert.ToBase64String(tag)),
            new XElement("value", Convert.ToBase64String(ciphertext)));
        return new EncryptedXmlInfo(element, typeof(KeyFileXmlDecryptor));
    }

    internal static XElement Decrypt(XElement encrypted, KeyEncryptionKeys? keys)
    {
        var kekId = (string?)encrypted.Attribute("kek") ?? "";
        if (keys is null)
            throw new CryptographicException($"This Data Protection key is encrypted with key-encryption key {kekId}, but no Portal:KeyEncryption:KeyFile is configured.");
        var kek = keys.Find(kekId)
            ?? throw new CryptographicException($"This Data Protection key is encrypted with key-encryption key {kekId}, which is neither Portal:KeyEncryption:KeyFile nor one of its PreviousKeyFiles.");
        var nonce = Convert.FromBase64String((string)encrypted.Element("nonce")!);
        var tag = Convert.FromBase64String((string)encrypted.Element("tag")!);
        var ciphertext = Convert.FromBase64String((string)encrypted.Element("value")!);
        var plaintext = new byte[ciphertext.Length];
        using (var aes = new AesGcm(kek.Bytes, TagBytes))
            aes.Decrypt(nonce, ciphertext, tag, plaintext, AssociatedData);
        try { return XElement.Parse(Encoding.UTF8.GetString(plaintext)); }
        finally { CryptographicOperations.ZeroMemory(plaintext); }
    }
}

/// <summary>
/// Reads what <see cref="KeyFileXmlEncryptor"/> wrote. Data Protection creates it by the type name stored beside each key,
/// so the name and namespace must not change while such keys exist.
/// </summary>
public sealed class KeyFileXmlDecryptor(IServiceProvider services) : IXmlDecryptor
{
    public XElement Decrypt(XElement encryptedElement) =>
        KeyFileXmlEncryptor.Decrypt(encryptedElement, services.GetService<KeyEncryptionKeys>());
}

/// <summary>Outside Production the portal starts without a KEK, but says loudly what that means.</summary>
internal sealed class UnencryptedKeyRingWarning(ILogger<UnencryptedKeyRingWarning> log) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        log.LogWarning("Portal:KeyEncryption is not set: Data Protection keys are stored UNENCRYPTED in the database, so a database dump alone decrypts every stored kubeconfig. " +
            "Set Portal:KeyEncryption:KeyFile or :CertificatePath (see docs/security.md); Production refuses to start without one.");
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
