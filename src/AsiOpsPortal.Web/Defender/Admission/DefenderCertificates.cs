using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using AsiOpsPortal.Core.Data;
using AsiOpsPortal.Core.Defender;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AsiOpsPortal.Web.Defender.Admission;

/// <summary>
/// The admission webhook's own TLS certificate: self-signed, made once and kept in PostgreSQL (private key encrypted with Data
/// Protection) so every portal process serves the same one and the clusters' webhook configurations, which trust it through
/// their caBundle, stay valid across restarts.
/// </summary>
public sealed class DefenderCertificates(IDbContextFactory<PortalDbContext> dbFactory, IDataProtectionProvider protection, TimeProvider time,
    IOptions<DefenderOptions> options)
{
    private const int RowId = 1;
    private static readonly TimeSpan Validity = TimeSpan.FromDays(825);
    private readonly IDataProtector _protector = protection.CreateProtector("AsiOpsPortal.Defender.WebhookCertificate.v1");
    private readonly SemaphoreSlim _loading = new(1, 1);
    private (X509Certificate2 Certificate, string Pem)? _loaded;

    /// <summary>The certificate with its private key, for the listener.</summary>
    public async Task<X509Certificate2> GetAsync(CancellationToken ct = default) => (await LoadAsync(ct)).Certificate;

    /// <summary>What a webhook configuration's <c>clientConfig.caBundle</c> carries: base64 of the certificate's PEM.</summary>
    public async Task<string> CaBundleAsync(CancellationToken ct = default) =>
        Convert.ToBase64String(Encoding.ASCII.GetBytes((await LoadAsync(ct)).Pem));

    private async Task<(X509Certificate2 Certificate, string Pem)> LoadAsync(CancellationToken ct)
    {
        if (_loaded is { } loaded) return loaded;
        await _loading.WaitAsync(ct);
        try
        {
            if (_loaded is { } again) return again;
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            var row = await db.DefenderCertificates.AsNoTracking().SingleOrDefaultAsync(c => c.Id == RowId, ct);
            if (row is null)
            {
                // Two processes starting at once may both make one; the first insert wins and both serve it.
                var made = Create();
                db.DefenderCertificates.Add(made);
                try { await db.SaveChangesAsync(ct); }
                catch (DbUpdateException) { db.ChangeTracker.Clear(); }
                row = await db.DefenderCertificates.AsNoTracking().SingleAsync(c => c.Id == RowId, ct);
            }
            var certificate = X509CertificateLoader.LoadPkcs12(Convert.FromBase64String(_protector.Unprotect(row.EncryptedPfx)), password: null);
            _loaded = (certificate, row.CertificatePem);
            return _loaded.Value;
        }
        finally
        {
            _loading.Release();
        }
    }

    private DefenderCertificate Create()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=asiops-defender", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        foreach (var host in options.Value.WebhookHostNames.Append(WebhookHost()).OfType<string>().Distinct(StringComparer.OrdinalIgnoreCase))
        {
            if (IPAddress.TryParse(host, out var address)) names.AddIpAddress(address);
            else names.AddDnsName(host);
        }
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        var now = time.GetUtcNow();
        using var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.Add(Validity));
        return new DefenderCertificate
        {
            Id = RowId,
            EncryptedPfx = _protector.Protect(Convert.ToBase64String(certificate.Export(X509ContentType.Pkcs12))),
            CertificatePem = certificate.ExportCertificatePem(),
            NotAfter = certificate.NotAfter.ToUniversalTime(),
            CreatedAt = now,
        };
    }

    private string? WebhookHost() => Uri.TryCreate(options.Value.WebhookBaseUrl, UriKind.Absolute, out var url) ? url.Host.Trim('[', ']') : null;
}
