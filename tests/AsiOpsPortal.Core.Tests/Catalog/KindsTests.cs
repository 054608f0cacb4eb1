using AsiOpsPortal.Core.Catalog;

namespace AsiOpsPortal.Core.Tests.Catalog;

public class KindsTests
{
    [Theory]
    [InlineData("Deployment", "deployments")]
    [InlineData("Pod", "pods")]
    [InlineData("Namespace", "namespaces")]
    [InlineData("ConfigMap", "configmaps")]
    [InlineData("Ingress", "ingresses")]
    [InlineData("NetworkPolicy", "networkpolicies")]
    [InlineData("Endpoints", "endpoints")]
    public void ResourceOf_IsTheLowerCasePluralOfTheApiPath(string kind, string resource) => Assert.Equal(resource, Kinds.ResourceOf(kind));
}
