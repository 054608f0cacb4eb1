using AsiOpsPortal.Core.Catalog;

namespace AsiOpsPortal.Core.Tests.Catalog;

public class ClusterPlaceholderTests
{
    private const string Yaml = """
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: where-${ASIOPS_CLUSTER}
        data:
          url: https://portal.example:8443/admission/v1/defender/${ASIOPS_CLUSTER}
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: plain
        data:
          cost: "$5"
        """;

    [Fact]
    public void ThePlaceholder_BecomesTheClusterName_InNamesAndValues()
    {
        var objects = Manifests.Parse(Yaml).Select(o => o.WithNamespace("ops").ForCluster("prod-eu-1")).ToList();

        Assert.Equal("where-prod-eu-1", objects[0].Name);
        Assert.Contains("\"url\":\"https://portal.example:8443/admission/v1/defender/prod-eu-1\"", objects[0].Json);
        Assert.DoesNotContain(Manifests.ClusterPlaceholder, objects[0].Json);
    }

    [Fact]
    public void AnObjectWithoutThePlaceholder_IsTheSameObject()
    {
        var plain = Manifests.Parse(Yaml)[1];

        Assert.Same(plain, plain.ForCluster("prod-eu-1"));
    }
}
