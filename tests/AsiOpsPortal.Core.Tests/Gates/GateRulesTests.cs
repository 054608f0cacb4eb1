using AsiOpsPortal.Core.Gates;
using AsiOpsPortal.Core.Pipelines;

namespace AsiOpsPortal.Core.Tests.Gates;

public class GateRulesTests
{
    private static readonly string[] Allowed = ["gates.example.com", "*.checks.example.com", "gates.example.com:8443", "[fd00::5]:9000"];
    private static readonly Dictionary<string, string> NoHeaders = [];

    [Theory]
    [InlineData("https://gates.example.com/release")]
    [InlineData("http://GATES.example.com/x")]
    [InlineData("https://gates.example.com:443/x")]
    [InlineData("https://gates.example.com:8443/x")]
    [InlineData("http://[fd00::5]:9000/x")]
    [InlineData("https://e2e.checks.example.com/run")]
    public void HostProblem_IsNull_ForAllowedHostsAndSubdomainsOfWildcards(string url) =>
        Assert.Null(GateRules.HostProblem(url, Allowed));

    [Theory]
    [InlineData("https://checks.example.com/run", "not on the portal's gate allow-list")] // the wildcard covers subdomains only
    [InlineData("https://evilchecks.example.com/run", "not on the portal's gate allow-list")]
    [InlineData("https://gates.example.com.evil.io/", "not on the portal's gate allow-list")]
    [InlineData("http://gates.example.com:22/", "Port 22 of 'gates.example.com' is not on the portal's gate allow-list")]
    [InlineData("https://gates.example.com:80/", "Port 80 of 'gates.example.com'")] // the default port is http's, not any scheme's
    [InlineData("http://gates.example.com:443/", "Port 443 of 'gates.example.com'")]
    [InlineData("https://e2e.checks.example.com:8443/", "Port 8443 of 'e2e.checks.example.com'")] // a port is allowed for its host only
    [InlineData("http://[fd00::5]/x", "Port 80 of '[fd00::5]'")]
    [InlineData("ftp://gates.example.com/", "not an absolute http:// or https:// URL")]
    [InlineData("/relative", "not an absolute http:// or https:// URL")]
    [InlineData("https://user:pw@gates.example.com/", "credentials in a header")]
    public void HostProblem_ExplainsWhy_ForEverythingElse(string url, string expected) =>
        Assert.Contains(expected, GateRules.HostProblem(url, Allowed));

    [Fact]
    public void HostProblem_SaysTheListIsEmpty_WhenNoHostIsAllowed() =>
        Assert.Contains("allow-list (Portal:GateAllowedHosts) is empty", GateRules.HostProblem("https://gates.example.com/", []));

    [Fact]
    public void Validate_ListsEveryProblem_InPlainWords()
    {
        var errors = GateRules.Validate("Bad Name", "https://elsewhere.io/", new Dictionary<string, string> { ["X Bad"] = "a", ["X-Ok"] = "line\nbreak" },
            "tier in (", timeoutSeconds: 0, retries: 9, Allowed);

        Assert.Equal(7, errors.Count);
        Assert.Contains(errors, e => e.StartsWith("The name must be"));
        Assert.Contains(errors, e => e.Contains("elsewhere.io"));
        Assert.Contains(errors, e => e == "'X Bad' is not a valid HTTP header name.");
        Assert.Contains(errors, e => e == "The value of header 'X-Ok' may not contain line breaks.");
        Assert.Contains(errors, e => e.StartsWith("Scope:"));
        Assert.Contains(errors, e => e.StartsWith("The timeout must be between 1 and"));
        Assert.Contains(errors, e => e.StartsWith("Retries must be between 0 and"));
    }

    [Fact]
    public void Validate_IsEmpty_ForASoundGate() =>
        Assert.Empty(GateRules.Validate("checkout-e2e", "https://gates.example.com/e2e", new Dictionary<string, string> { ["Authorization"] = "Bearer x" },
            "environment=prod", 10, 2, Allowed));

    [Theory]
    [InlineData(200, "", GateVerdictKind.Pass, "passed (200)")]
    [InlineData(204, """{"message":"all green"}""", GateVerdictKind.Pass, "passed (204): all green")]
    [InlineData(302, "", GateVerdictKind.Fail, "answered 302, a redirect; gates are not followed elsewhere, so register the final URL")]
    [InlineData(403, """{"reason":"release train closed"}""", GateVerdictKind.Fail, "refused (403): release train closed")]
    [InlineData(422, "error rate 7% > 1%", GateVerdictKind.Fail, "refused (422): error rate 7% > 1%")]
    [InlineData(409, "", GateVerdictKind.Fail, "refused (409) without a message")]
    [InlineData(408, "", GateVerdictKind.Retry, "answered 408")]
    [InlineData(429, "slow down", GateVerdictKind.Retry, "answered 429: slow down")]
    [InlineData(503, """{"error":"suite busy"}""", GateVerdictKind.Retry, "answered 503: suite busy")]
    public void Read_PassesOn2xx_FailsOn4xxAndRedirects_RetriesTheRest(int status, string body, GateVerdictKind kind, string message)
    {
        var verdict = GateRules.Read(status, body);

        Assert.Equal(kind, verdict.Kind);
        Assert.Equal(message, verdict.Message);
    }

    [Fact]
    public void Said_StripsMarkupFoldsLinesAndCuts_SoAnErrorPageReadsAsOneLine()
    {
        var page = "<html><body><h1>Bad\n gateway</h1><script>alert(1)</script></body></html>" + new string('x', 2000);

        var said = GateRules.Said(page);

        Assert.StartsWith("Bad gateway alert(1) xxx", said);
        Assert.DoesNotContain("<", said);
        Assert.Equal(GateRules.MessageLimit + 1, said.Length);
        Assert.EndsWith("…", said);
    }

    [Fact]
    public void Backoff_Doubles_FromOneSecond_AndIsCapped()
    {
        Assert.Equal([1, 2, 4, 8, 16, 30, 30], Enumerable.Range(2, 7).Select(a => GateRules.Backoff(a).TotalSeconds));
    }

    [Fact]
    public void Concerns_MatchesWhenAnyClusterIsInScope_AndAlwaysWithoutScope()
    {
        ClusterFacts Facts(string name, string env) => new(Guid.NewGuid(), name, env, "cn-hangzhou", "cn-hangzhou-a", 2, new Dictionary<string, string>());
        var wave = new[] { Facts("test-1", "test"), Facts("prod-1", "prod") };

        Assert.True(GateRules.Concerns(new Gate { Name = "g", Url = "u" }, wave));
        Assert.True(GateRules.Concerns(new Gate { Name = "g", Url = "u", Scope = "environment=prod" }, wave));
        Assert.False(GateRules.Concerns(new Gate { Name = "g", Url = "u", Scope = "environment=staging" }, wave));
    }
}
