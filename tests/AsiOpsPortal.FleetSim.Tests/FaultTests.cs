using System.Diagnostics;
using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace AsiOpsPortal.FleetSim.Tests;

public sealed class FaultTests(FleetFixture fleet) : IClassFixture<FleetFixture>
{
    [Fact]
    public async Task ListNode_Returns401Status_WhenTokenIsWrong()
    {
        var cluster = fleet.NewCluster();
        using var client = new Kubernetes(new KubernetesClientConfiguration { Host = fleet.Simulator.ServerUrl(cluster), AccessToken = "wrong" });

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.ListNodeAsync());

        Assert.Equal(HttpStatusCode.Unauthorized, error.Response.StatusCode);
        Assert.Contains("\"kind\":\"Status\"", error.Response.Content);
    }

    [Fact]
    public async Task ListNode_ThrowsHttpRequestException_WhenClusterIsUnreachable()
    {
        var cluster = fleet.NewCluster();
        using var client = fleet.Client(cluster);
        fleet.Simulator.SetFault(cluster, new SimFault { Unreachable = true });

        await Assert.ThrowsAsync<HttpRequestException>(() => client.CoreV1.ListNodeAsync());

        fleet.Simulator.SetFault(cluster, SimFault.None);
        Assert.NotEmpty((await client.CoreV1.ListNodeAsync()).Items);
    }

    [Fact]
    public async Task ListNode_Returns500Status_WhenErrorRateIsOne()
    {
        var cluster = fleet.NewCluster();
        using var client = fleet.Client(cluster);
        fleet.Simulator.SetFault(cluster, new SimFault { ErrorRate = 1 });

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.ListNodeAsync());

        Assert.Equal(HttpStatusCode.InternalServerError, error.Response.StatusCode);
        Assert.Contains("InternalError", error.Response.Content);
    }

    [Fact]
    public async Task ListNode_TakesAtLeastTheLatency_WhenLatencyIsInjected()
    {
        var cluster = fleet.NewCluster();
        using var client = fleet.Client(cluster);
        await client.CoreV1.ListNodeAsync(); // warm up the connection
        fleet.Simulator.SetFault(cluster, new SimFault { Latency = TimeSpan.FromMilliseconds(400) });

        var watch = Stopwatch.StartNew();
        await client.CoreV1.ListNodeAsync();

        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(390), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task ListNode_ReportsReadyFalseForFirstNodes_WhenNotReadyNodesIsSet()
    {
        var cluster = fleet.NewCluster(nodes: 5);
        using var client = fleet.Client(cluster);
        fleet.Simulator.SetFault(cluster, new SimFault { NotReadyNodes = 2 });

        var nodes = (await client.CoreV1.ListNodeAsync()).Items;

        Assert.Equal(["False", "False", "True", "True", "True"], nodes.Select(ReadyStatus));
    }

    [Fact]
    public async Task ListNode_ReportsReadyUnknownEverywhere_WhenCertificatesExpire()
    {
        var cluster = fleet.NewCluster(nodes: 3);
        using var client = fleet.Client(cluster);
        fleet.Simulator.SetFault(cluster, new SimFault { ExpiredCertificates = true });

        var nodes = (await client.CoreV1.ListNodeAsync()).Items;

        Assert.All(nodes, n => Assert.Equal("Unknown", ReadyStatus(n)));
    }

    [Fact]
    public async Task RequestLog_RecordsEachApiRequest_WhenClusterIsCalled()
    {
        var cluster = fleet.NewCluster();
        using var client = fleet.Client(cluster);

        await client.CoreV1.ListNamespacedPodAsync("default", labelSelector: "app=web");

        var entry = Assert.Single(fleet.Simulator.RequestLog(cluster));
        Assert.Equal(("GET", 200), (entry.Method, entry.Status));
        Assert.StartsWith("/api/v1/namespaces/default/pods?", entry.Path);
    }

    private static string ReadyStatus(V1Node node) => node.Status.Conditions.Single(c => c.Type == "Ready").Status;
}
