using AsiOpsPortal.Core.Catalog;
using AsiOpsPortal.Core.Rollouts;

namespace AsiOpsPortal.Core.Tests.Rollouts;

public class DriftRulesTests
{
    private static readonly IReadOnlyList<ManifestObject> Objects = Manifests.Parse("""
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: web, namespace: web}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web, namespace: web}
        spec:
          template:
            spec:
              containers: [{name: web, image: "nginx:1.27"}]
        """);

    private static ManifestObject Deployment => Objects.Single(o => o.Kind == "Deployment");

    private static LiveObject Running(params string[] images) =>
        new(Deployment.Ref, new Dictionary<string, string>(), 2, 2, new WorkloadCounts(2, 2, 2, 2), images);

    [Fact]
    public void Describe_IsNull_WhenTheWorkloadRunsTheShippedImages()
    {
        Assert.Null(DriftRules.Describe(Deployment, Running("nginx:1.27")));
    }

    [Fact]
    public void Describe_NamesBothImages_WhenSomeoneChangedTheImage()
    {
        var drift = DriftRules.Describe(Deployment, Running("nginx:1.25"));

        Assert.Equal("Deployment web/web runs nginx:1.25; the version ships nginx:1.27", drift);
    }

    [Fact]
    public void Describe_SaysMissing_WhenTheWorkloadIsGone()
    {
        Assert.Equal("Deployment web/web is missing", DriftRules.Describe(Deployment, null));
    }

    [Fact]
    public void Checked_ReadsOnlyWhatRunsContainers()
    {
        Assert.Equal(["Deployment"], DriftRules.Checked(Objects).Select(o => o.Kind));
    }
}
