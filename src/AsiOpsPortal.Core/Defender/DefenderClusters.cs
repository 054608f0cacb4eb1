namespace AsiOpsPortal.Core.Defender;

/// <summary>
/// The secret one cluster's API server presents when it calls the defender's admission webhook (as a bearer token, from the
/// API server's admission configuration). Only its SHA-256 is kept: the token is shown once, when issued.
/// </summary>
public class DefenderClusterKey
{
    public Guid ClusterId { get; set; }
    /// <summary>Lower-case hex SHA-256 of the token.</summary>
    public required string TokenHash { get; set; }
    public string CreatedBy { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>
/// An Admin's lifting of the defender for one cluster, for a bounded time and with a reason: while it lasts, the cluster's
/// destructive requests are allowed without spending, and every page says so.
/// </summary>
public class DefenderBreakGlass
{
    public long Id { get; set; }
    public Guid ClusterId { get; set; }
    public required string Reason { get; set; }
    public required string StartedBy { get; set; }
    public DateTimeOffset StartedAt { get; set; }
    /// <summary>When it ends by itself.</summary>
    public DateTimeOffset EndsAt { get; set; }
    /// <summary>Set when someone ended it early.</summary>
    public DateTimeOffset? EndedAt { get; set; }
    public string? EndedBy { get; set; }
}

/// <summary>
/// The certificate the admission webhook listener serves, shared by every portal process (the clusters' webhook
/// configurations trust its public part, so it must survive restarts). One row.
/// </summary>
public class DefenderCertificate
{
    public int Id { get; set; }
    /// <summary>Data Protection ciphertext of the PKCS#12 (certificate and private key); never rendered, never logged.</summary>
    public required string EncryptedPfx { get; set; }
    /// <summary>The certificate's PEM, what a webhook configuration's caBundle carries (base64 of it).</summary>
    public required string CertificatePem { get; set; }
    public DateTimeOffset NotAfter { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}
