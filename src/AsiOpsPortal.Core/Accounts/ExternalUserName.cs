namespace AsiOpsPortal.Core.Accounts;

/// <summary>The local user name given to someone an identity provider vouches for, the first time they sign in.</summary>
public static class ExternalUserName
{
    /// <summary>How many numbered variants to try before giving up; more would only mean something is wrong.</summary>
    public const int MaxVariants = 100;

    /// <summary>
    /// preferred_username, else email, else the subject; characters outside <paramref name="allowedCharacters"/> become
    /// '-' (an empty set allows every character, as in ASP.NET Core Identity).
    /// </summary>
    public static string FirstChoice(string? preferredUsername, string? email, string subject, string? allowedCharacters)
    {
        var name = new[] { preferredUsername, email }.FirstOrDefault(n => !string.IsNullOrWhiteSpace(n))?.Trim() ?? subject.Trim();
        return string.IsNullOrEmpty(allowedCharacters)
            ? name
            : new string(name.Select(c => allowedCharacters.Contains(c) ? c : '-').ToArray());
    }

    /// <summary>The names to try in order when the first choice belongs to another local user: name, name-2, name-3, …</summary>
    public static IEnumerable<string> Candidates(string firstChoice)
    {
        yield return firstChoice;
        for (var i = 2; i <= MaxVariants; i++) yield return $"{firstChoice}-{i}";
    }
}
