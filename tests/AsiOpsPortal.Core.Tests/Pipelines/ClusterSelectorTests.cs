using AsiOpsPortal.Core.Pipelines;

namespace AsiOpsPortal.Core.Tests.Pipelines;

public class ClusterSelectorTests
{
    private static readonly ClusterFacts ProdHangzhou = new(Guid.NewGuid(), "prod-hangzhou-01", "prod", "cn-hangzhou", "cn-hangzhou-a", 0,
        new Dictionary<string, string> { ["team"] = "infra", ["gpu"] = "true", ["asiops.io/owner"] = "sre" });

    private static readonly ClusterFacts TestBeijing = new(Guid.NewGuid(), "test-beijing-02", "test", "cn-beijing", "", 3,
        new Dictionary<string, string> { ["team"] = "payments", ["environment"] = "prod" });

    private static bool Selects(string selector, ClusterFacts cluster) => ClusterSelector.Parse(selector).Matches(cluster);

    [Theory]
    [InlineData("team=infra", true, false)]
    [InlineData("team==infra", true, false)]
    [InlineData("team = infra", true, false)]
    [InlineData("team!=infra", false, true)]
    [InlineData("gpu!=true", false, true)]
    [InlineData("team in (infra,payments)", true, true)]
    [InlineData("team in (payments)", false, true)]
    [InlineData("team notin (payments)", true, false)]
    [InlineData("gpu notin (false)", true, true)]
    [InlineData("gpu", true, false)]
    [InlineData("!gpu", false, true)]
    [InlineData("asiops.io/owner=sre", true, false)]
    [InlineData("team in (infra, payments),gpu", true, false)]
    [InlineData("team,!gpu", false, true)]
    public void Matches_FollowsKubernetesOperators_OverLabels(string selector, bool prodSelected, bool testSelected)
    {
        Assert.Equal(prodSelected, Selects(selector, ProdHangzhou));
        Assert.Equal(testSelected, Selects(selector, TestBeijing));
    }

    [Theory]
    [InlineData("name=prod-hangzhou-01", true, false)]
    [InlineData("name in (prod-hangzhou-01,test-beijing-02)", true, true)]
    [InlineData("environment=test", false, true)]
    [InlineData("region=cn-beijing", false, true)]
    [InlineData("zone=cn-hangzhou-a", true, false)]
    [InlineData("zone=", false, true)]
    [InlineData("tier=0", true, false)]
    [InlineData("tier in (1,2,3)", false, true)]
    [InlineData("tier notin (0)", false, true)]
    [InlineData("environment=prod,tier=0", true, false)]
    public void Matches_UsesBuiltInKeys_ForNameEnvironmentRegionZoneAndTier(string selector, bool prodSelected, bool testSelected)
    {
        Assert.Equal(prodSelected, Selects(selector, ProdHangzhou));
        Assert.Equal(testSelected, Selects(selector, TestBeijing));
    }

    [Fact]
    public void Matches_PrefersTheBuiltIn_WhenALabelHasTheSameName()
    {
        // test-beijing-02 carries a label environment=prod, but it is a test cluster.
        Assert.False(Selects("environment=prod", TestBeijing));
        Assert.True(Selects("environment=test", TestBeijing));
    }

    [Fact]
    public void Matches_AlwaysFindsBuiltIns_WhenAskedWhetherTheyExist()
    {
        Assert.True(Selects("tier", TestBeijing));
        Assert.False(Selects("!name", TestBeijing));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void TryParse_GivesASelectorThatSelectsNothing_WhenTextIsEmpty(string? text)
    {
        Assert.True(ClusterSelector.TryParse(text, out var selector, out var error));

        Assert.Null(error);
        Assert.True(selector.IsEmpty);
        Assert.False(selector.Matches(ProdHangzhou));
        Assert.False(selector.Matches(TestBeijing));
    }

    [Theory]
    [InlineData("environment in (prod", "expected ')' to close the list after 'prod' at position 21.")]
    [InlineData("environment in ()", "'environment in ()' needs at least one value at position 17.")]
    [InlineData("environment in prod", "expected '(' after 'environment in' at position 16.")]
    [InlineData("environment in (prod staging)", "expected ',' or ')' after 'prod' at position 22.")]
    [InlineData("environment prod", "expected an operator (=, ==, !=, in, notin), ',' or the end after 'environment' at position 13.")]
    [InlineData("=prod", "expected a label key, not '=' at position 1.")]
    [InlineData("environment=prod,", "expected a requirement after ',' at position 18.")]
    [InlineData("environment=prod staging", "expected ',' or the end after 'environment=prod' at position 18.")]
    [InlineData("!", "expected a label key at position 2.")]
    [InlineData("Team_=x", "'Team_' is not a valid label key at position 1.")]
    [InlineData("team=-infra", "'-infra' is not a valid label value at position 6.")]
    [InlineData("team in (a,)", "expected a value, not ')' at position 12.")]
    [InlineData("tier>1", "'tier>1' is not a valid label key at position 1.")]
    public void TryParse_SaysWhatIsWrongAndWhere_WhenSyntaxIsBad(string text, string expected)
    {
        Assert.False(ClusterSelector.TryParse(text, out var selector, out var error));

        Assert.Equal(expected, error);
        Assert.True(selector.IsEmpty);
    }

    [Fact]
    public void Parse_ThrowsFormatExceptionNamingTheSelector_WhenSyntaxIsBad()
    {
        var error = Assert.Throws<FormatException>(() => ClusterSelector.Parse("environment in (prod"));

        Assert.Equal("Selector 'environment in (prod': expected ')' to close the list after 'prod' at position 21.", error.Message);
    }

    [Fact]
    public void ToString_GivesTheTextAsWritten_WhenParsed() =>
        Assert.Equal("environment in (test, staging)", ClusterSelector.Parse("environment in (test, staging)").ToString());
}
