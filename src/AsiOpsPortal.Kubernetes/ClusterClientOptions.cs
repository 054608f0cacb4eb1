using System.ComponentModel.DataAnnotations;

namespace AsiOpsPortal.Kubernetes;

public sealed class ClusterClientOptions
{
    /// <summary>Sustained requests per second to any one cluster.</summary>
    [Range(0.1, 1000)] public double Qps { get; set; } = 5;
    [Range(1, 1000)] public int Burst { get; set; } = 10;
    /// <summary>Any single call to a cluster gives up after this long, so one slow cluster cannot hold a worker.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")] public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);
    /// <summary>
    /// Where API servers may be (see ApiServerAddressRules), checked at every connection: a host name may resolve elsewhere
    /// after registration. The portal fills it from Portal:ClusterAddresses.
    /// </summary>
    public List<string> AllowedAddresses { get; set; } = [];
}
