using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;

namespace AsiOpsPortal.Web.Gates;

/// <summary>Gate headers often carry tokens: they are stored encrypted and only decrypted just before a call.</summary>
public sealed class GateProtector(IDataProtectionProvider provider)
{
    private readonly IDataProtector _protector = provider.CreateProtector("AsiOpsPortal.Gates.Headers.v1");

    public string? Protect(IReadOnlyDictionary<string, string> headers) =>
        headers.Count == 0 ? null : _protector.Protect(JsonSerializer.Serialize(headers));

    public IReadOnlyDictionary<string, string> Unprotect(string? ciphertext) =>
        ciphertext is null ? new Dictionary<string, string>() : JsonSerializer.Deserialize<Dictionary<string, string>>(_protector.Unprotect(ciphertext))!;
}
