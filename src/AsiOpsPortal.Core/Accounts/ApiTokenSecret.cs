using System.Security.Cryptography;
using System.Text;

namespace AsiOpsPortal.Core.Accounts;

/// <summary>Creates token secrets and the hashes we keep instead of them.</summary>
public static class ApiTokenSecret
{
    public const string Marker = "asi_";
    public const int PrefixLength = 10;

    public static string Generate() =>
        Marker + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>SHA-256 is enough here: the secret carries 256 random bits, so there is nothing to brute-force.</summary>
    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    public static string PrefixOf(string token) => token[..Math.Min(PrefixLength, token.Length)];

    public static bool LooksLikeToken(string? value) => value is not null && value.StartsWith(Marker, StringComparison.Ordinal) && value.Length > PrefixLength;
}
