using System.Text.Json.Nodes;
using AsiOpsPortal.FleetSim.Api;
using AsiOpsPortal.FleetSim.Store;
using AsiOpsPortal.FleetSim.Workloads;

namespace AsiOpsPortal.FleetSim.Fleet;

/// <summary>
/// The objects a fresh cluster starts with. Light clusters get namespaces only; full clusters get the usual
/// kube-system add-ons and a demo app, already converged. Seeded objects have no field managers, so the first
/// server-side apply of any manager takes them over without conflicts.
/// </summary>
internal static class ClusterSeeder
{
    public static void Seed(ClusterState state)
    {
        var cluster = state.Cluster;
        var created = cluster.Plan.CreatedAt;
        state.ControllersPaused = true;
        state.Clock = created.AddMinutes(2);
        try
        {
            foreach (var ns in (string[])["default", "kube-node-lease", "kube-public", "kube-system"])
            {
                Create(state, ResourceCatalog.Namespaces, new JsonObject
                {
                    ["metadata"] = new JsonObject { ["name"] = ns, ["labels"] = new JsonObject { ["kubernetes.io/metadata.name"] = ns } },
                    ["spec"] = new JsonObject { ["finalizers"] = new JsonArray("kubernetes") },
                    ["status"] = new JsonObject { ["phase"] = "Active" },
                });
            }
            if (!cluster.Plan.Full) return;

            Create(state, ResourceCatalog.Services, Service("default", "kubernetes", "192.168.0.1", null, ("https", 443, "TCP")));
            Create(state, ResourceCatalog.Services, Service("kube-system", "kube-dns", "192.168.0.10", "kube-dns", ("dns", 53, "UDP"), ("dns-tcp", 53, "TCP")));
            Create(state, ResourceCatalog.Find("", "v1", "configmaps")!, new JsonObject
            {
                ["metadata"] = new JsonObject { ["name"] = "coredns", ["namespace"] = "kube-system" },
                ["data"] = new JsonObject { ["Corefile"] = ".:53 {\n    errors\n    health\n    kubernetes cluster.local in-addr.arpa ip6.arpa\n    forward . /etc/resolv.conf\n    cache 30\n}\n" },
            });

            var version = cluster.Info.KubernetesVersion;
            var registry = $"registry-{cluster.Info.Region}.ack.aliyuncs.com/acs";
            Workload(state, ResourceCatalog.DaemonSets, "kube-system", "kube-proxy", "k8s-app", $"{registry}/kube-proxy:{version}-aliyun.1", null, hostNetwork: true);
            Workload(state, ResourceCatalog.DaemonSets, "kube-system", "node-agent", "app", "registry.asiops.io/ops/node-agent:1.8.2", null, hostNetwork: false);
            Workload(state, ResourceCatalog.Deployments, "kube-system", "coredns", "k8s-app", $"{registry}/coredns:v1.11.3.1-8b6e4c4-aliyun", 2, hostNetwork: false, labelValue: "kube-dns");
            Create(state, ResourceCatalog.Pdbs, new JsonObject
            {
                ["metadata"] = new JsonObject { ["name"] = "coredns-pdb", ["namespace"] = "kube-system" },
                ["spec"] = new JsonObject
                {
                    ["minAvailable"] = 1,
                    ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["k8s-app"] = "kube-dns" } },
                },
            });
            Workload(state, ResourceCatalog.Deployments, "default", "web", "app", "nginx:1.27.3", 3, hostNetwork: false);
        }
        finally
        {
            state.ControllersPaused = false;
            state.Clock = null;
        }
    }

    private static JsonObject Create(ClusterState state, ApiResource r, JsonObject obj) =>
        state.Commit(r, null, obj, StoredObject.NoManagers);

    private static JsonObject Service(string ns, string name, string clusterIp, string? app, params (string Name, int Port, string Protocol)[] ports)
    {
        var spec = new JsonObject
        {
            ["type"] = "ClusterIP",
            ["clusterIP"] = clusterIp,
            ["ports"] = new JsonArray(ports.Select(p => (JsonNode)new JsonObject { ["name"] = p.Name, ["port"] = p.Port, ["protocol"] = p.Protocol }).ToArray()),
        };
        if (app is not null) spec["selector"] = new JsonObject { ["k8s-app"] = app };
        return new JsonObject { ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns }, ["spec"] = spec };
    }

    private static void Workload(ClusterState state, ApiResource r, string ns, string name, string labelKey, string image, int? replicas, bool hostNetwork, string? labelValue = null)
    {
        var labels = new JsonObject { [labelKey] = labelValue ?? name };
        var podSpec = new JsonObject
        {
            ["containers"] = new JsonArray(new JsonObject
            {
                ["name"] = name,
                ["image"] = image,
                ["resources"] = new JsonObject { ["requests"] = new JsonObject { ["cpu"] = "100m", ["memory"] = "70Mi" } },
            }),
        };
        if (hostNetwork) podSpec["hostNetwork"] = true;
        if (ns == "kube-system")
        {
            podSpec["priorityClassName"] = r == ResourceCatalog.DaemonSets ? "system-node-critical" : "system-cluster-critical";
            podSpec["tolerations"] = new JsonArray(new JsonObject { ["operator"] = "Exists" });
        }
        var spec = new JsonObject
        {
            ["selector"] = new JsonObject { ["matchLabels"] = labels.DeepClone() },
            ["template"] = new JsonObject { ["metadata"] = new JsonObject { ["labels"] = labels.DeepClone() }, ["spec"] = podSpec },
        };
        if (replicas is { } n)
        {
            spec["replicas"] = n;
            spec["strategy"] = new JsonObject
            {
                ["type"] = "RollingUpdate",
                ["rollingUpdate"] = new JsonObject { ["maxSurge"] = "25%", ["maxUnavailable"] = "25%" },
            };
            spec["progressDeadlineSeconds"] = 600;
            spec["revisionHistoryLimit"] = 10;
        }
        else
        {
            spec["updateStrategy"] = new JsonObject
            {
                ["type"] = "RollingUpdate",
                ["rollingUpdate"] = new JsonObject { ["maxSurge"] = 0, ["maxUnavailable"] = 1 },
            };
        }
        var obj = new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns, ["labels"] = labels.DeepClone() },
            ["spec"] = spec,
        };
        Create(state, r, obj);
        WorkloadController.Reconcile(state, r.StoreKey, ns, name, state.Now);
    }
}
