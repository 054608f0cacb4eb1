namespace AsiOpsPortal.FleetSim.Tests;

public sealed class KubectlTests(FleetFixture fleet) : IClassFixture<FleetFixture>
{
    private const string Manifest = """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: shop
          namespace: default
        spec:
          replicas: 2
          selector:
            matchLabels: {app: shop}
          template:
            metadata:
              labels: {app: shop}
            spec:
              containers:
              - name: shop
                image: nginx:1.27.3
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: shop-config
          namespace: default
        data:
          mode: blue
        """;

    private Kubectl For(string cluster) => new(fleet.KubeconfigPath(cluster));

    private string WriteManifest(string text)
    {
        var path = Path.Combine(fleet.Directory, Guid.NewGuid().ToString("N") + ".yaml");
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public async Task GetNodes_PrintsStatusAndVersionColumns_WhenClusterIsHealthy()
    {
        var info = fleet.Simulator.Clusters.First(c => c.Name == "test-hangzhou-01");

        var output = await For(info.Name).SucceedAsync("get", "nodes");

        var lines = output.Trim().Split('\n');
        Assert.Matches(@"^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION$", lines[0].Trim());
        Assert.Equal(info.NodeCount, lines.Length - 1);
        Assert.All(lines.Skip(1), l => Assert.Matches($@"\sReady\s.*{info.KubernetesVersion}$", l));
    }

    [Fact]
    public async Task GetDaemonSets_ShowsKubeSystemDaemonSetsWithNamespace_WhenAllNamespacesRequested()
    {
        var output = await For("staging-shanghai-01").SucceedAsync("get", "ds", "-A");

        Assert.StartsWith("NAMESPACE", output);
        Assert.Matches(@"kube-system\s+kube-proxy\s+\d+", output);
        Assert.Matches(@"kube-system\s+node-agent\s+\d+", output);
    }

    [Fact]
    public async Task ApplyServerSide_ConflictsUnlessForced_WhenAnotherManagerChangesTheImage()
    {
        var kubectl = For(fleet.NewCluster());
        var first = WriteManifest(Manifest);
        var changed = WriteManifest(Manifest.Replace("nginx:1.27.3", "nginx:1.27.4"));

        Assert.Contains("deployment.apps/shop serverside-applied", await kubectl.SucceedAsync("apply", "--server-side", "-f", first));
        Assert.Contains("shop", await kubectl.SucceedAsync("get", "deploy"));

        var conflict = await kubectl.RunAsync("apply", "--server-side", "--field-manager=release-bot", "-f", changed);
        Assert.NotEqual(0, conflict.ExitCode);
        Assert.Contains("conflict with \"kubectl\"", conflict.Error);
        Assert.Contains(".spec.template.spec.containers[name=\"shop\"].image", conflict.Error);

        await kubectl.SucceedAsync("apply", "--server-side", "--field-manager=release-bot", "--force-conflicts", "-f", changed);
        var images = await kubectl.SucceedAsync("get", "deploy", "shop", "-o", "jsonpath={.spec.template.spec.containers[0].image}");
        Assert.Equal("nginx:1.27.4", images);
    }

    [Fact]
    public async Task DeletePod_RemovesThePod_WhenItExists()
    {
        var kubectl = For(fleet.NewCluster());
        var pod = (await kubectl.SucceedAsync("get", "pods", "-l", "app=web", "-o", "name")).Split('\n')[0].Trim();

        Assert.Contains("deleted", await kubectl.SucceedAsync("delete", pod));

        var remaining = await kubectl.SucceedAsync("get", "pods", "-o", "name");
        Assert.DoesNotContain(pod, remaining);
    }

    [Fact]
    public async Task Drain_EvictsWorkloadPodsAndCordons_WhenNodeRunsPods()
    {
        var cluster = fleet.NewCluster(nodes: 4);
        var kubectl = For(cluster);
        var node = (await kubectl.SucceedAsync("get", "pods", "-l", "app=web", "-o", "jsonpath={.items[0].spec.nodeName}")).Trim();

        var output = await kubectl.SucceedAsync("drain", node, "--ignore-daemonsets", "--delete-emptydir-data");

        Assert.Contains($"node/{node} drained", output);
        Assert.Contains("evicted", output);
        Assert.Matches($@"{node}\s+Ready,SchedulingDisabled", await kubectl.SucceedAsync("get", "nodes"));
        var left = await kubectl.SucceedAsync("get", "pods", "-A", "--field-selector", $"spec.nodeName={node}", "-o", "name");
        Assert.All(left.Split('\n', StringSplitOptions.RemoveEmptyEntries), p => Assert.Matches("kube-proxy|node-agent", p));
    }

    [Fact]
    public async Task Drain_IsBlockedByDisruptionBudget_WhenEvictionWouldBreakIt()
    {
        var cluster = fleet.NewCluster(nodes: 4);
        var kubectl = For(cluster);
        await kubectl.SucceedAsync("apply", "--server-side", "-f", WriteManifest("""
            apiVersion: policy/v1
            kind: PodDisruptionBudget
            metadata:
              name: web-pdb
              namespace: default
            spec:
              minAvailable: 3
              selector:
                matchLabels: {app: web}
            """));
        var node = (await kubectl.SucceedAsync("get", "pods", "-l", "app=web", "-o", "jsonpath={.items[0].spec.nodeName}")).Trim();

        var result = await kubectl.RunAsync("drain", node, "--ignore-daemonsets", "--delete-emptydir-data", "--timeout=1s");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("Cannot evict pod as it would violate the pod's disruption budget", result.Error);
    }
}
