namespace AsiOpsPortal.Tests.Shared;

/// <summary>Manifests the catalog tests upload: a small web component, and a broken one whose problem is known.</summary>
public static class SampleManifests
{
    /// <summary>Namespace <paramref name="ns"/> and a one-container Deployment (with a selector, as rollouts need) running <paramref name="image"/>.</summary>
    public static string Workload(string ns, string name, string image, int replicas = 2) => $"""
        apiVersion: v1
        kind: Namespace
        metadata:
          name: {ns}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: {name}
        spec:
          replicas: {replicas}
          selector:
            matchLabels: {"{"}app: {name}{"}"}
          template:
            metadata:
              labels: {"{"}app: {name}{"}"}
            spec:
              containers:
                - name: {name}
                  image: {image}
        """;

    /// <summary>Namespace, ConfigMap and Deployment "web"; versions differ by image and replicas.</summary>
    public static string Web(string image = "nginx:1.26.2", int replicas = 3) => $"""
        apiVersion: v1
        kind: Namespace
        metadata:
          name: web
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: web-config
          namespace: web
        data:
          mode: blue
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
          namespace: web
        spec:
          replicas: {replicas}
          template:
            spec:
              containers:
                - name: nginx
                  image: {image}
        """;

    /// <summary>The second document's metadata has no name; the problem is in document 2, which starts on line 6.</summary>
    public const string SecondDocumentWithoutName = """
        apiVersion: v1
        kind: Namespace
        metadata:
          name: web
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata:
          namespace: web
        data:
          mode: blue
        """;

    /// <summary>What a message about <see cref="SecondDocumentWithoutName"/> starts with: the document and a line.</summary>
    public const string SecondDocumentProblemPrefix = "Document 2 (line ";
}
