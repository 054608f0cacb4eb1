using AsiOpsPortal.Core.Accounts;

namespace AsiOpsPortal.Core.Tests;

public class ApiTokenSecretTests
{
    [Fact]
    public void Generate_ReturnsDistinctTokens_WhenCalledManyTimes()
    {
        var tokens = Enumerable.Range(0, 1000).Select(_ => ApiTokenSecret.Generate()).ToList();

        Assert.Equal(tokens.Count, tokens.Distinct().Count());
        Assert.Equal(tokens.Count, tokens.Select(ApiTokenSecret.PrefixOf).Distinct().Count());
    }

    [Fact]
    public void Generate_ReturnsMarkedUrlSafeToken_WhenCalled()
    {
        var token = ApiTokenSecret.Generate();

        Assert.StartsWith("asi_", token);
        // 32 random bytes in unpadded base64url: safe in a header, a shell and a URL.
        Assert.Matches("^asi_[A-Za-z0-9_-]{43}$", token);
    }

    [Fact]
    public void Generate_ReturnsSomethingThatLooksLikeAToken_WhenCalled() =>
        Assert.True(ApiTokenSecret.LooksLikeToken(ApiTokenSecret.Generate()));

    [Fact]
    public void Hash_IsDeterministic_WhenGivenTheSameToken()
    {
        var token = ApiTokenSecret.Generate();

        Assert.Equal(ApiTokenSecret.Hash(token), ApiTokenSecret.Hash(new string(token.ToCharArray())));
    }

    [Fact]
    public void Hash_ReturnsSha256Hex_WhenGivenAFixedToken() =>
        // Pinned: a change of algorithm or encoding would silently invalidate every stored token.
        Assert.Equal("7559f119157a08b12be257b99b564f5331e8e4d7153c58f6ddebab43120b2209", ApiTokenSecret.Hash("asi_test"));

    [Fact]
    public void Hash_DoesNotContainTheToken_WhenCalled()
    {
        var token = ApiTokenSecret.Generate();
        var hash = ApiTokenSecret.Hash(token);

        Assert.Matches("^[0-9a-f]{64}$", hash);
        Assert.DoesNotContain(token[ApiTokenSecret.Marker.Length..], hash);
    }

    [Fact]
    public void Hash_Differs_WhenTokensDifferInOneCharacter() =>
        Assert.NotEqual(ApiTokenSecret.Hash("asi_abcdefghijk"), ApiTokenSecret.Hash("asi_abcdefghijK"));

    [Fact]
    public void PrefixOf_ReturnsFirstTenCharacters_WhenTokenIsLonger() =>
        Assert.Equal("asi_abcdef", ApiTokenSecret.PrefixOf("asi_abcdefghijklmnop"));

    [Fact]
    public void PrefixOf_ReturnsWholeText_WhenShorterThanThePrefix() =>
        Assert.Equal("asi_ab", ApiTokenSecret.PrefixOf("asi_ab"));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("asi_short")]
    [InlineData("ASI_abcdefghijklmnop")]
    [InlineData("Bearer asi_abcdefghijklmnop")]
    [InlineData("ghp_abcdefghijklmnopqrstuvwxyz")]
    public void LooksLikeToken_ReturnsFalse_WhenNotOurTokenShape(string? value) =>
        Assert.False(ApiTokenSecret.LooksLikeToken(value));
}
