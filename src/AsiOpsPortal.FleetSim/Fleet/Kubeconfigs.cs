using System.Text;
using System.Text.Json;

namespace AsiOpsPortal.FleetSim.Fleet;

/// <summary>Kubeconfig files and the fleet.json index that scripts use to register the simulated clusters.</summary>
internal static class Kubeconfigs
{
    /// <summary>
    /// One cluster, one bearer-token user, one context named after the cluster, already current. The server is https
    /// on the simulator's port: client-go drops kubeconfig credentials for plain-http servers.
    /// </summary>
    public static string For(FleetContext fleet, SimCluster cluster)
    {
        var name = cluster.Info.Name;
        var server = $"{fleet.BaseUrl.Replace("http://", "https://", StringComparison.Ordinal)}/clusters/{name}";
        var ca = Convert.ToBase64String(Encoding.ASCII.GetBytes(fleet.CertificateAuthority));
        return $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: {name}
              cluster:
                server: {server}
                certificate-authority-data: {ca}
            users:
            - name: {name}
              user:
                token: {cluster.Token}
            contexts:
            - name: {name}
              context:
                cluster: {name}
                user: {name}
            current-context: {name}

            """;
    }

    private sealed record FleetEntry(string Name, string Environment, string Region, string Zone, int Tier, int NodeCount, string KubernetesVersion, string KubeconfigPath);

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static void Write(string directory, FleetContext fleet, SimCluster cluster)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(PathOf(directory, cluster), For(fleet, cluster));
    }

    public static void WriteIndex(string directory, IEnumerable<SimCluster> clusters)
    {
        Directory.CreateDirectory(directory);
        var entries = clusters.Select(c => new FleetEntry(c.Info.Name, c.Info.Environment, c.Info.Region, c.Info.Zone, c.Info.Tier,
            c.Info.NodeCount, c.Info.KubernetesVersion, PathOf(directory, c)));
        var temp = Path.Combine(directory, "fleet.json.tmp");
        File.WriteAllText(temp, JsonSerializer.Serialize(entries, JsonOptions));
        File.Move(temp, Path.Combine(directory, "fleet.json"), overwrite: true); // readers never see a half-written index
    }

    private static string PathOf(string directory, SimCluster cluster) => Path.GetFullPath(Path.Combine(directory, cluster.Info.Name + ".yaml"));
}
