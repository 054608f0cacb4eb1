using System.Globalization;
using System.Text.Json.Nodes;
using AsiOpsPortal.FleetSim.Store;

namespace AsiOpsPortal.FleetSim.Fleet;

/// <summary>
/// Synthesises a node from (cluster, index) alone, so clusters need not store their nodes until one is written,
/// and overlays injected faults on whatever node is read.
/// </summary>
internal static class NodeFactory
{
    private sealed record Shape(string Pool, string InstanceType, int Cpu, long MemoryKi, int Gpus);

    private static readonly Shape System = new("system", "ecs.g7.xlarge", 4, 15_896_556, 0);
    private static readonly Shape General = new("general", "ecs.g7.4xlarge", 16, 65_028_172, 0);
    private static readonly Shape Gpu = new("gpu", "ecs.gn7i-c32g1.8xlarge", 32, 193_274_860, 1);

    private static Shape ShapeOf(SimClusterInfo info, int index)
    {
        var count = info.NodeCount;
        if (count >= 6 && index < 2) return System;
        if (info.Tier == 0 && count >= 100 && index >= count - count / 10) return Gpu;
        return General;
    }

    public static JsonObject Build(SimCluster cluster, int index, long resourceVersion)
    {
        var info = cluster.Info;
        var name = cluster.NodeName(index);
        var shape = ShapeOf(info, index);
        var zones = "abc";
        var zone = $"{info.Region}-{zones[(zones.IndexOf(info.Zone[^1]) + index) % 3]}";
        var ip = $"10.{(Json.Hash(info.Name) % 200) + 16}.{index / 250}.{index % 250 + 4}";
        var span = Math.Max(1, (int)(DateTimeOffset.UtcNow - cluster.Plan.CreatedAt).TotalHours - 1);
        var created = cluster.Plan.CreatedAt.AddMinutes(5).AddHours(index < 3 ? 0 : index * 97 % span);
        var ready = !cluster.Plan.BakedNotReady.Contains(index);
        var kubelet = info.KubernetesVersion;
        var reserve = shape.Cpu <= 4 ? 200 : 400;

        var capacity = new JsonObject
        {
            ["cpu"] = shape.Cpu.ToString(CultureInfo.InvariantCulture),
            ["memory"] = $"{shape.MemoryKi}Ki",
            ["pods"] = "110",
            ["ephemeral-storage"] = "123722704Ki",
        };
        var allocatable = new JsonObject
        {
            ["cpu"] = $"{shape.Cpu * 1000 - reserve}m",
            ["memory"] = $"{shape.MemoryKi - 2_097_152}Ki",
            ["pods"] = "110",
            ["ephemeral-storage"] = "114022843818",
        };
        if (shape.Gpus > 0)
        {
            capacity["nvidia.com/gpu"] = shape.Gpus.ToString(CultureInfo.InvariantCulture);
            allocatable["nvidia.com/gpu"] = shape.Gpus.ToString(CultureInfo.InvariantCulture);
        }

        var node = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Node",
            ["metadata"] = new JsonObject
            {
                ["name"] = name,
                ["uid"] = Json.Uid(info.Name, "node", name),
                ["resourceVersion"] = resourceVersion.ToString(CultureInfo.InvariantCulture),
                ["creationTimestamp"] = Json.Time(created),
                ["labels"] = new JsonObject
                {
                    ["beta.kubernetes.io/arch"] = "amd64",
                    ["beta.kubernetes.io/os"] = "linux",
                    ["kubernetes.io/arch"] = "amd64",
                    ["kubernetes.io/os"] = "linux",
                    ["kubernetes.io/hostname"] = name,
                    ["topology.kubernetes.io/region"] = info.Region,
                    ["topology.kubernetes.io/zone"] = zone,
                    ["node.kubernetes.io/instance-type"] = shape.InstanceType,
                    ["asiops.io/pool"] = shape.Pool,
                },
                ["annotations"] = new JsonObject { ["node.alpha.kubernetes.io/ttl"] = "0" },
            },
            ["spec"] = new JsonObject
            {
                ["podCIDR"] = $"172.{16 + index / 256 % 16}.{index % 256}.0/24",
                ["providerID"] = $"alicloud://{info.Region}.i-{Json.Suffix(12, info.Name, name)}",
            },
            ["status"] = new JsonObject
            {
                ["capacity"] = capacity,
                ["allocatable"] = allocatable,
                ["conditions"] = new JsonArray(
                    Condition("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available", created),
                    Condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure", created),
                    Condition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available", created),
                    ready
                        ? Condition("Ready", "True", "KubeletReady", "kubelet is posting ready status", created)
                        : Condition("Ready", "False", "KubeletNotReady", "container runtime network not ready: NetworkReady=false", created)),
                ["addresses"] = new JsonArray(
                    new JsonObject { ["type"] = "InternalIP", ["address"] = ip },
                    new JsonObject { ["type"] = "Hostname", ["address"] = name }),
                ["daemonEndpoints"] = new JsonObject { ["kubeletEndpoint"] = new JsonObject { ["Port"] = 10250 } },
                ["nodeInfo"] = new JsonObject
                {
                    ["machineID"] = Json.Hash(info.Name, name, "machine").ToString("x16") + "0000000000000000",
                    ["systemUUID"] = Json.Uid(info.Name, name, "system"),
                    ["bootID"] = Json.Uid(info.Name, name, "boot"),
                    ["kernelVersion"] = "5.10.134-18.al8.x86_64",
                    ["osImage"] = "Alibaba Cloud Linux 3.2104 U11 (OpenAnolis Edition)",
                    ["containerRuntimeVersion"] = "containerd://1.6.36",
                    ["kubeletVersion"] = kubelet,
                    ["kubeProxyVersion"] = kubelet,
                    ["operatingSystem"] = "linux",
                    ["architecture"] = "amd64",
                },
            },
        };
        if (!ready) node.Child("spec")["taints"] = new JsonArray(Taint("node.kubernetes.io/not-ready", created));
        return Json.Materialize(node);
    }

    private static JsonObject Condition(string type, string status, string reason, string message, DateTimeOffset since) => new()
    {
        ["type"] = type,
        ["status"] = status,
        ["lastHeartbeatTime"] = Json.Time(DateTimeOffset.UtcNow.AddSeconds(-17)),
        ["lastTransitionTime"] = Json.Time(since),
        ["reason"] = reason,
        ["message"] = message,
    };

    private static JsonObject Taint(string key, DateTimeOffset since) => new()
    {
        ["key"] = key,
        ["effect"] = "NoSchedule",
        ["timeAdded"] = Json.Time(since),
    };

    /// <summary>Ready=False for the first NotReadyNodes, Ready=Unknown everywhere on ExpiredCertificates, as the node lifecycle controller would report.</summary>
    public static JsonObject WithFaults(SimCluster cluster, JsonObject node, long faultVersion)
    {
        var fault = cluster.Fault;
        var index = cluster.NodeIndex(node.Name());
        var notReady = index is { } i && i < fault.NotReadyNodes;
        var version = node.Long("metadata", "resourceVersion") ?? 0;
        if (!fault.ExpiredCertificates && !notReady && faultVersion <= version) return node;

        var copy = node.Clone();
        if (faultVersion > version) copy.Meta()["resourceVersion"] = faultVersion.ToString(CultureInfo.InvariantCulture);
        if (!fault.ExpiredCertificates && !notReady) return copy;

        var since = DateTimeOffset.UtcNow.AddMinutes(-3);
        var ready = fault.ExpiredCertificates
            ? Condition("Ready", "Unknown", "NodeStatusUnknown", "Kubelet stopped posting node status.", since)
            : Condition("Ready", "False", "KubeletNotReady", "PLEG is not healthy: pleg was last seen active 3m0s ago", since);
        var conditions = copy.Child("status").Array("conditions");
        var existing = conditions.FirstOrDefault(c => c.Str("type") == "Ready");
        if (existing is not null) conditions.Remove(existing);
        conditions.Add(ready);
        var taintKey = fault.ExpiredCertificates ? "node.kubernetes.io/unreachable" : "node.kubernetes.io/not-ready";
        var taints = copy.Child("spec").Array("taints");
        if (!taints.Any(t => t.Str("key") == taintKey)) taints.Add(Taint(taintKey, since));
        return Json.Materialize(copy);
    }

    public static bool IsReady(JsonObject node) =>
        (node.At("status", "conditions") as JsonArray)?.Any(c => c.Str("type") == "Ready" && c.Str("status") == "True") == true;

    public static bool IsSchedulable(JsonObject node) => !node.Bool("spec", "unschedulable") && IsReady(node);

    public static string? InternalIp(JsonObject node) =>
        (node.At("status", "addresses") as JsonArray)?.FirstOrDefault(a => a.Str("type") == "InternalIP").Str("address");
}
