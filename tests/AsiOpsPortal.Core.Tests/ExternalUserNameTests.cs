using AsiOpsPortal.Core.Accounts;

namespace AsiOpsPortal.Core.Tests;

public class ExternalUserNameTests
{
    /// <summary>ASP.NET Core Identity's default AllowedUserNameCharacters.</summary>
    private const string IdentityDefault = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._@+";

    [Theory]
    [InlineData("erin", "erin@example.com", "sub-1", "erin")]
    [InlineData(null, "erin@example.com", "sub-1", "erin@example.com")]
    [InlineData("  ", "", "sub-1", "sub-1")]
    [InlineData(" erin ", null, "sub-1", "erin")]
    public void FirstChoice_PrefersUsernameThenEmailThenSubject_WhenClaimsAreMissing(string? preferred, string? email, string subject, string expected) =>
        Assert.Equal(expected, ExternalUserName.FirstChoice(preferred, email, subject, IdentityDefault));

    [Fact]
    public void FirstChoice_ReplacesCharactersAUserNameMayNotHold_WhenTheSubjectHasThem() =>
        Assert.Equal("auth0-6512-a-b", ExternalUserName.FirstChoice(null, null, "auth0|6512 a/b", IdentityDefault));

    [Fact]
    public void FirstChoice_KeepsEveryCharacter_WhenNoCharacterSetIsConfigured() =>
        Assert.Equal("Érin Dupont", ExternalUserName.FirstChoice("Érin Dupont", null, "sub-1", ""));

    [Fact]
    public void Candidates_StartWithTheFirstChoiceThenNumberVariants_WhenEnumerated()
    {
        var candidates = ExternalUserName.Candidates("bob").ToList();

        Assert.Equal(["bob", "bob-2", "bob-3"], candidates.Take(3));
        Assert.Equal(ExternalUserName.MaxVariants, candidates.Count);
        Assert.Equal(candidates.Count, candidates.Distinct().Count());
    }
}
