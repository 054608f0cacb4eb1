using static AsiOpsPortal.Web.Tests.Support.PortalTestContext;

namespace AsiOpsPortal.Web.Tests.Support;

/// <summary>Fleets shared by several test classes, so their expectations can be read against one definition.</summary>
public static class Fleets
{
    /// <summary>
    /// 30 clusters, ten per environment (test-hz-NN in cn-hangzhou, staging-sh-NN in cn-shanghai, prod-bj-NN in
    /// cn-beijing). In trouble: prod-bj-08 and test-hz-09 (unreachable), prod-bj-10 (3 of 4 nodes NotReady) and
    /// staging-sh-07 (1 of 4 NotReady); by name alone they would be spread over two pages of 25.
    /// </summary>
    public static readonly SeedCluster[] ThirtyAcrossEnvironments =
    [
        .. Enumerable.Range(1, 10).SelectMany(i => new[]
        {
            new SeedCluster($"test-hz-{i:D2}", "test", "cn-hangzhou", Tier: 3, Nodes: 2,
                Unreachable: i == 9 ? $"test-hz-{i:D2}: connection refused" : null),
            new SeedCluster($"staging-sh-{i:D2}", "staging", "cn-shanghai", Tier: 2, Nodes: 4, NotReady: i == 7 ? 1 : 0),
            new SeedCluster($"prod-bj-{i:D2}", "prod", "cn-beijing", Tier: 0, Nodes: 4,
                NotReady: i == 10 ? 3 : 0, Unreachable: i == 8 ? $"prod-bj-{i:D2}: TLS handshake failed" : null),
        }),
    ];
}
