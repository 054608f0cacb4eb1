using AsiOpsPortal.Core.Clusters;

namespace AsiOpsPortal.Core.Tests;

public class ClusterRulesTests
{
    private const string NameError = "Name must be 1-63 lowercase letters, digits or '-', starting and ending with a letter or digit.";
    private const string EnvironmentError = "Environment must be one of: test, staging, prod.";
    private const string RegionError = "Region is required: lowercase letters, digits or '-' (e.g. cn-hangzhou).";
    private const string TierError = "Tier must be between 0 (most critical) and 3.";

    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    private static IReadOnlyList<string> Validate(
        string name = "prod-hz-01", string environment = "prod", string region = "cn-hangzhou", int tier = 1,
        Dictionary<string, string>? labels = null) =>
        ClusterRules.Validate(name, environment, region, tier, labels);

    private static IReadOnlyList<string> ValidateLabel(string key, string value) =>
        Validate(labels: new Dictionary<string, string> { [key] = value });

    [Fact]
    public void Validate_ReturnsNoErrors_WhenRegistrationIsValid()
    {
        var errors = Validate(labels: new Dictionary<string, string>
        {
            ["team"] = "infra",
            ["asiops.io/gpu"] = "true",
            ["app.kubernetes.io/part-of"] = "Payments_v2.1",
            ["empty"] = "",
        });

        Assert.Empty(errors);
    }

    [Fact]
    public void Validate_ReturnsNoErrors_WhenLabelsAreNull() =>
        Assert.Empty(Validate(labels: null));

    [Theory]
    [InlineData("a")]
    [InlineData("0")]
    [InlineData("prod-hz-01")]
    public void Validate_AcceptsName_WhenItIsADnsLabel(string name) =>
        Assert.Empty(Validate(name: name));

    [Theory]
    [InlineData("")]
    [InlineData("Prod-01")]
    [InlineData("-prod")]
    [InlineData("prod-")]
    [InlineData("prod_01")]
    [InlineData("prod.01")]
    [InlineData("prod 01")]
    [InlineData("<script>alert(1)</script>")]
    [InlineData("<b>prod</b>")]
    [InlineData("prod\"onmouseover=\"x")]
    public void Validate_RejectsName_WhenItIsNotADnsLabel(string name)
    {
        var errors = Validate(name: name);

        Assert.Equal([NameError], errors);
    }

    [Fact]
    public void Validate_AcceptsName_WhenExactly63Characters() =>
        Assert.Empty(Validate(name: "p" + new string('-', 61) + "1"));

    [Fact]
    public void Validate_RejectsName_WhenLongerThan63Characters() =>
        Assert.Equal([NameError], Validate(name: new string('p', 64)));

    [Fact]
    public void Validate_RejectsName_WhenNull() =>
        Assert.Equal([NameError], Validate(name: null!));

    [Theory]
    [InlineData("production")]
    [InlineData("Prod")]
    [InlineData("")]
    [InlineData("dev")]
    public void Validate_RejectsEnvironment_WhenNotOneOfTheKnownOnes(string environment) =>
        Assert.Equal([EnvironmentError], Validate(environment: environment));

    [Theory]
    [InlineData("test")]
    [InlineData("staging")]
    [InlineData("prod")]
    public void Validate_AcceptsEnvironment_WhenKnown(string environment) =>
        Assert.Empty(Validate(environment: environment));

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("CN-Hangzhou")]
    [InlineData("cn hangzhou")]
    [InlineData("cn-hangzhou-")]
    [InlineData("<img src=x onerror=alert(1)>")]
    public void Validate_RejectsRegion_WhenMissingOrNotADnsLabel(string region) =>
        Assert.Equal([RegionError], Validate(region: region));

    [Theory]
    [InlineData(-1)]
    [InlineData(4)]
    [InlineData(int.MaxValue)]
    public void Validate_RejectsTier_WhenOutsideZeroToThree(int tier) =>
        Assert.Equal([TierError], Validate(tier: tier));

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    public void Validate_AcceptsTier_WhenAtEitherEnd(int tier) =>
        Assert.Empty(Validate(tier: tier));

    [Theory]
    [InlineData("team")]
    [InlineData("Team_A.b-c")]
    [InlineData("asiops.io/pool")]
    [InlineData("node-role.kubernetes.io/control-plane")]
    public void Validate_AcceptsLabelKey_WhenValidKubernetesKey(string key) =>
        Assert.Empty(ValidateLabel(key, "x"));

    [Fact]
    public void Validate_AcceptsLabelKeyAndValue_WhenExactly63Characters() =>
        Assert.Empty(ValidateLabel("asiops.io/" + new string('k', 63), new string('v', 63)));

    [Fact]
    public void Validate_RejectsLabelKey_WhenNamePartIsLongerThan63Characters()
    {
        var key = "asiops.io/" + new string('k', 64);

        Assert.Equal([$"Label key '{key}' is not a valid Kubernetes label key."], ValidateLabel(key, "x"));
    }

    [Fact]
    public void Validate_RejectsLabelValue_WhenLongerThan63Characters()
    {
        var value = new string('v', 64);

        Assert.Equal([$"Label value '{value}' of 'team' is not a valid Kubernetes label value."], ValidateLabel("team", value));
    }

    [Theory]
    [InlineData("")]
    [InlineData("-team")]
    [InlineData("team-")]
    [InlineData("team/")]
    [InlineData("/team")]
    [InlineData("Example.com/team")]
    [InlineData("a/b/c")]
    [InlineData("team name")]
    [InlineData("<script>x</script>")]
    public void Validate_RejectsLabelKey_WhenNotAValidKubernetesKey(string key) =>
        Assert.Equal([$"Label key '{key}' is not a valid Kubernetes label key."], ValidateLabel(key, "x"));

    [Fact]
    public void Validate_RejectsLabelKey_WhenLongerThan253Characters()
    {
        var key = string.Join(".", Enumerable.Repeat("abcdefghij", 23)) + "/team"; // 252-character prefix + "/team"

        Assert.Equal([$"Label key '{key}' is not a valid Kubernetes label key."], ValidateLabel(key, "x"));
    }

    [Theory]
    [InlineData("-infra")]
    [InlineData("infra-")]
    [InlineData("in fra")]
    [InlineData("a/b")]
    [InlineData("<script>alert(1)</script>")]
    public void Validate_RejectsLabelValue_WhenNotAValidKubernetesValue(string value) =>
        Assert.Equal([$"Label value '{value}' of 'team' is not a valid Kubernetes label value."], ValidateLabel("team", value));

    [Fact]
    public void Validate_ReportsEveryProblem_WhenSeveralFieldsAreWrong()
    {
        var errors = ClusterRules.Validate("Bad Name", "qa", "", 9, new Dictionary<string, string> { ["ok"] = "-bad" });

        Assert.Equal(
            [NameError, EnvironmentError, RegionError, TierError, "Label value '-bad' of 'ok' is not a valid Kubernetes label value."],
            errors);
    }

    // .NET's `$` also matches before a final "\n", so an anchored pattern alone lets a trailing newline through.
    [Theory]
    [InlineData("name")]
    [InlineData("region")]
    [InlineData("label key")]
    [InlineData("label value")]
    public void Validate_RejectsField_WhenItEndsWithANewline(string field)
    {
        var errors = field switch
        {
            "name" => Validate(name: "prod-01\n"),
            "region" => Validate(region: "cn-hangzhou\n"),
            "label key" => ValidateLabel("team\n", "infra"),
            _ => ValidateLabel("team", "infra\n"),
        };

        Assert.Single(errors);
    }

    [Theory]
    [InlineData(false, 10, 10, ClusterStatus.Unreachable)]
    [InlineData(false, 0, 0, ClusterStatus.Unreachable)]
    [InlineData(true, 10, 10, ClusterStatus.Healthy)]
    [InlineData(true, 0, 0, ClusterStatus.Healthy)]
    [InlineData(true, 10, 9, ClusterStatus.Degraded)]
    [InlineData(true, 10, 0, ClusterStatus.Degraded)]
    public void StatusFromSync_ReturnsObservedStatus_WhenSyncFinishes(bool reachable, int total, int ready, ClusterStatus expected) =>
        Assert.Equal(expected, ClusterRules.StatusFromSync(reachable, total, ready));

    [Fact]
    public void HealthRank_OrdersTroubleFirst_WhenClustersDifferInHealth()
    {
        var unreachable = ClusterRules.HealthRank(ClusterStatus.Unreachable, 10, 10);
        var mostlyNotReady = ClusterRules.HealthRank(ClusterStatus.Degraded, 10, 2);
        var slightlyNotReady = ClusterRules.HealthRank(ClusterStatus.Degraded, 10, 8);
        var unknown = ClusterRules.HealthRank(ClusterStatus.Unknown, 0, 0);
        var healthy = ClusterRules.HealthRank(ClusterStatus.Healthy, 10, 10);

        Assert.True(unreachable < mostlyNotReady, $"unreachable {unreachable} < degraded 8/10 NotReady {mostlyNotReady}");
        Assert.True(mostlyNotReady < slightlyNotReady, $"8/10 NotReady {mostlyNotReady} < 2/10 NotReady {slightlyNotReady}");
        Assert.True(slightlyNotReady < unknown, $"degraded {slightlyNotReady} < never synced {unknown}");
        Assert.True(unknown < healthy, $"never synced {unknown} < healthy {healthy}");
    }

    [Fact]
    public void HealthRank_RanksDegradedBeforeNeverSynced_WhenOnlyOneOfManyNodesIsNotReady() =>
        Assert.True(ClusterRules.HealthRank(ClusterStatus.Degraded, 10_000, 9_999) < ClusterRules.HealthRank(ClusterStatus.Unknown, 0, 0));

    [Fact]
    public void HealthRank_RanksDegradedAfterUnreachable_WhenEveryNodeIsNotReady() =>
        Assert.True(ClusterRules.HealthRank(ClusterStatus.Unreachable, 0, 0) < ClusterRules.HealthRank(ClusterStatus.Degraded, 10, 0));

    [Fact]
    public void HealthRank_ComparesShareNotCount_WhenClustersDifferInSize() =>
        // 5 of 10 NotReady is worse than 10 of 1000 NotReady.
        Assert.True(ClusterRules.HealthRank(ClusterStatus.Degraded, 10, 5) < ClusterRules.HealthRank(ClusterStatus.Degraded, 1000, 990));

    [Fact]
    public void IsStale_ReturnsTrue_WhenNeverSynced() =>
        Assert.True(ClusterRules.IsStale(null, Now));

    [Theory]
    [InlineData(0, false)]
    [InlineData(14 * 60 + 59, false)]
    [InlineData(15 * 60, false)]
    [InlineData(15 * 60 + 1, true)]
    [InlineData(3 * 3600, true)]
    public void IsStale_ReturnsTrue_WhenLastSyncIsOlderThanFifteenMinutes(int secondsAgo, bool expected) =>
        Assert.Equal(expected, ClusterRules.IsStale(Now.AddSeconds(-secondsAgo), Now));

    [Fact]
    public void Describe_ShowsError_WhenUnreachable() =>
        Assert.Equal("Unreachable: connection refused", ClusterRules.Describe(ClusterStatus.Unreachable, 10, 10, Now.AddMinutes(-1), "connection refused", Now));

    [Fact]
    public void Describe_SaysNoAnswer_WhenUnreachableWithoutError() =>
        Assert.Equal("Unreachable: no answer", ClusterRules.Describe(ClusterStatus.Unreachable, 0, 0, Now, null, Now));

    [Fact]
    public void Describe_PrefersUnreachable_WhenAlsoStale() =>
        Assert.Equal("Unreachable: timeout", ClusterRules.Describe(ClusterStatus.Unreachable, 3, 3, Now.AddHours(-5), "timeout", Now));

    [Fact]
    public void Describe_SaysNotSyncedYet_WhenStatusUnknown() =>
        Assert.Equal("Not synced yet", ClusterRules.Describe(ClusterStatus.Unknown, 0, 0, null, null, Now));

    [Fact]
    public void Describe_CountsNotReadyNodes_WhenDegraded() =>
        Assert.Equal("3 of 10 nodes NotReady", ClusterRules.Describe(ClusterStatus.Degraded, 10, 7, Now.AddMinutes(-2), null, Now));

    [Fact]
    public void Describe_SaysHealthy_WhenHealthyAndRecentlySynced() =>
        Assert.Equal("Healthy", ClusterRules.Describe(ClusterStatus.Healthy, 10, 10, Now.AddMinutes(-2), null, Now));

    [Theory]
    [InlineData(ClusterStatus.Healthy)]
    [InlineData(ClusterStatus.Degraded)]
    public void Describe_SaysStaleWithAge_WhenLastSyncIsOld(ClusterStatus status) =>
        Assert.Equal("Stale: last sync 20m ago", ClusterRules.Describe(status, 10, 9, Now.AddMinutes(-20), null, Now));

    [Theory]
    [InlineData(-30, "0s")]
    [InlineData(0, "0s")]
    [InlineData(89, "89s")]
    [InlineData(90, "1m")]
    [InlineData(89 * 60, "89m")]
    [InlineData(90 * 60, "1h")]
    [InlineData(47 * 3600 + 3599, "47h")]
    [InlineData(48 * 3600, "2d")]
    [InlineData(400 * 86400, "400d")]
    public void FormatAge_PicksLargestSensibleUnit_WhenGivenAnAge(int seconds, string expected) =>
        Assert.Equal(expected, ClusterRules.FormatAge(TimeSpan.FromSeconds(seconds)));
}
