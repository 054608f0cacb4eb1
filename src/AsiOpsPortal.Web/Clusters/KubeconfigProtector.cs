using Microsoft.AspNetCore.DataProtection;

namespace AsiOpsPortal.Web.Clusters;

/// <summary>Encrypts kubeconfigs at rest with Data Protection (keys kept in PostgreSQL).</summary>
public sealed class KubeconfigProtector(IDataProtectionProvider provider)
{
    private readonly IDataProtector _protector = provider.CreateProtector("AsiOpsPortal.Clusters.Kubeconfig.v1");

    public string Protect(string kubeconfig) => _protector.Protect(kubeconfig);

    public string Unprotect(string ciphertext) => _protector.Unprotect(ciphertext);
}
