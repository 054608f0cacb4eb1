using System.Net;
using AsiOpsPortal.Core.Clusters;

namespace AsiOpsPortal.Core.Tests.Clusters;

public class ApiServerAddressRulesTests
{
    private static IPAddress[] At(params string[] addresses) => addresses.Select(IPAddress.Parse).ToArray();

    [Theory]
    [InlineData("169.254.169.254")]
    [InlineData("169.254.10.20")]
    [InlineData("::ffff:169.254.169.254")] // the same metadata service, written as IPv6
    [InlineData("fd00:ec2::254")]
    [InlineData("fe80::1")]
    [InlineData("0.0.0.0")]
    [InlineData("::")]
    [InlineData("224.0.0.1")]
    public void Problem_RefusesLinkLocalMetadataAndUnspecified_WhateverTheAllowList(string address)
    {
        Assert.Contains("never an API server", ApiServerAddressRules.Problem(address, At(address), []));
        Assert.Contains("never an API server", ApiServerAddressRules.Problem(address, At(address), ["0.0.0.0/0", "::/0"]));
    }

    [Fact]
    public void Problem_RefusesAName_WhenAnyAddressItResolvesToIsRefused() =>
        Assert.Contains("metadata.internal (169.254.169.254)",
            ApiServerAddressRules.Problem("metadata.internal", At("10.0.0.8", "169.254.169.254"), ["*.internal"]));

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    [InlineData("10.1.2.3")]
    public void Problem_IsNull_ForOrdinaryAddresses_WhenNoAllowListIsSet(string address) =>
        Assert.Null(ApiServerAddressRules.Problem(address, At(address), []));

    [Theory]
    [InlineData("10.20.3.4", new[] { "10.20.3.4" }, true)]
    [InlineData("k8s.prod.example.com", new[] { "10.20.3.4" }, true)]
    [InlineData("api.k8s.example.com", new[] { "192.168.1.1" }, true)] // named by a *.k8s.example.com entry
    [InlineData("k8s.example.com", new[] { "192.168.1.1" }, false)] // the wildcard covers subdomains only
    [InlineData("127.0.0.1", new[] { "127.0.0.1" }, false)]
    [InlineData("mixed.example.org", new[] { "10.20.0.1", "172.16.0.1" }, false)] // every address must be inside
    public void Problem_FollowsTheAllowList_WhenOneIsSet(string host, string[] addresses, bool allowed)
    {
        string[] allowList = ["10.20.0.0/16", "*.k8s.example.com"];
        var problem = ApiServerAddressRules.Problem(host, At(addresses), allowList);
        if (allowed) Assert.Null(problem);
        else Assert.Contains("outside the addresses clusters may have (Portal:ClusterAddresses: 10.20.0.0/16, *.k8s.example.com)", problem);
    }

    [Theory]
    [InlineData("10.0.0.0/8", true)]
    [InlineData("10.0.0.5", true)]
    [InlineData("fd12::/16", true)]
    [InlineData("k8s.example.com", true)]
    [InlineData("*.k8s.example.com", true)]
    [InlineData("10.0.0.0/33", false)]
    [InlineData("http://k8s.example.com", false)]
    [InlineData("", false)]
    public void IsValidEntry_TakesAddressesRangesAndNames(string entry, bool valid) =>
        Assert.Equal(valid, ApiServerAddressRules.IsValidEntry(entry));
}
