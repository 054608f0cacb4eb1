using k8s;

namespace AsiOpsPortal.FleetSim.Tests;

/// <summary>The demo restarts FleetSim over kubeconfigs the portal imported earlier: they must keep working.</summary>
public sealed class RestartTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("fleetsim-restart-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task StartAsync_KeepsItsCertificateAndTokens_WhenRestartedOverTheSameKubeconfigDirectory()
    {
        const string cluster = "test-hangzhou-01";
        string kubeconfigBefore;
        await using (var first = await FleetSimulator.StartAsync(new FleetSimOptions { KubeconfigDirectory = _directory }))
            kubeconfigBefore = first.Kubeconfig(cluster);

        await using var second = await FleetSimulator.StartAsync(new FleetSimOptions { KubeconfigDirectory = _directory });

        // Only the port may differ (port 0 here; the demo pins 6443): the CA and the token are the same.
        var before = KubernetesClientConfiguration.BuildConfigFromConfigFile(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(kubeconfigBefore)));
        var after = KubernetesClientConfiguration.BuildConfigFromConfigFile(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(second.Kubeconfig(cluster))));
        Assert.Equal(before.AccessToken, after.AccessToken);
        Assert.Equal(before.SslCaCerts!.Single().Thumbprint, after.SslCaCerts!.Single().Thumbprint);

        // The old kubeconfig's CA and token still reach the restarted simulator over TLS.
        before.Host = after.Host;
        using var client = new Kubernetes(before);
        var version = await client.Version.GetCodeAsync();
        Assert.StartsWith("v1.", version.GitVersion);
    }
}
