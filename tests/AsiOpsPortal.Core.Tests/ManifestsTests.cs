using System.Text.Json.Nodes;
using AsiOpsPortal.Core.Catalog;

namespace AsiOpsPortal.Core.Tests;

public class ManifestsTests
{
    private const string Web = """
        # The web tier.
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
          mode: "blue"
          replicas: "3"
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
          labels: {app: web}
        spec:
          replicas: 3
          paused: false
          progressDeadlineSeconds: ~
          selector:
            matchLabels: {app: web}
          template:
            metadata:
              labels: {app: web}
            spec:
              initContainers:
              - name: migrate
                image: web-migrate:1.2
              containers:
              - name: web
                image: web:1.2
                ports:
                - containerPort: 8080
              - name: sidecar
                image: envoy:1.31
        ---
        """;

    private static JsonObject JsonOf(ManifestObject o) => JsonNode.Parse(o.Json)!.AsObject();

    private static string ErrorOf(string yaml) => Assert.Throws<ManifestException>(() => Manifests.Parse(yaml)).Message;

    [Fact]
    public void Parse_ReturnsEachObjectWithItsDocumentAndLine_WhenDocumentsAreSeparated()
    {
        var objects = Manifests.Parse(Web);

        Assert.Equal(["Namespace/web", "ConfigMap web/web-config", "Deployment/web"], objects.Select(o => o.Ref.ToString()));
        Assert.Equal([1, 2, 3], objects.Select(o => o.Document));
        Assert.Equal([2, 7, 16], objects.Select(o => o.Line));
        Assert.Equal(["v1", "v1", "apps/v1"], objects.Select(o => o.ApiVersion));
        Assert.Null(objects[2].Namespace);
    }

    [Fact]
    public void Parse_TypesScalarsAsJson_WhenValuesArePlainOrQuoted()
    {
        var deployment = JsonOf(Manifests.Parse(Web)[2]);
        var config = JsonOf(Manifests.Parse(Web)[1]);

        Assert.Equal(3, deployment["spec"]!["replicas"]!.GetValue<long>());
        Assert.False(deployment["spec"]!["paused"]!.GetValue<bool>());
        Assert.True(deployment["spec"]!.AsObject().ContainsKey("progressDeadlineSeconds"));
        Assert.Null(deployment["spec"]!["progressDeadlineSeconds"]);
        Assert.Equal(8080, deployment["spec"]!["template"]!["spec"]!["containers"]![0]!["ports"]![0]!["containerPort"]!.GetValue<long>());
        Assert.Equal("3", config["data"]!["replicas"]!.GetValue<string>());
        Assert.Equal("blue", config["data"]!["mode"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("v: 42", "42")]
    [InlineData("v: -7", "-7")]
    [InlineData("v: 0x1F", "31")]
    [InlineData("v: 0o17", "15")]
    [InlineData("v: 0.5", "0.5")]
    [InlineData("v: 1e3", "1000")]
    [InlineData("v: true", "true")]
    [InlineData("v: False", "false")]
    [InlineData("v: null", "null")]
    [InlineData("v:", "null")]
    [InlineData("v: '42'", "\"42\"")]
    [InlineData("v: \"true\"", "\"true\"")]
    [InlineData("v: !!str 42", "\"42\"")]
    [InlineData("v: !!int \"42\"", "42")]
    [InlineData("v: yes", "\"yes\"")]
    [InlineData("v: 1.2.3", "\"1.2.3\"")]
    [InlineData("v: .inf", "\".inf\"")]
    [InlineData("v: 12345678901234567890", "12345678901234567890")]
    [InlineData("v: |\n    line1\n    line2", "\"line1\\nline2\\n\"")]
    public void Parse_FollowsYamlCoreSchema_WhenResolvingScalar(string line, string json)
    {
        var o = Manifests.Parse($"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n{line}\n").Single();

        Assert.Equal(json, JsonOf(o)["v"]?.ToJsonString() ?? "null");
    }

    [Fact]
    public void Parse_KeepsJsonCompactAndTextReadable_WhenValuesHaveNonAsciiAndMarkup()
    {
        var o = Manifests.Parse("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  greeting: \"你好 <b>&\"\n").Single();

        Assert.Equal("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"greeting":"你好 <b>&"}}""", o.Json);
    }

    [Fact]
    public void Parse_ReadsJson_WhenInputIsAJsonObjectIndentedWithTabs()
    {
        var o = Manifests.Parse("{\n\t\"apiVersion\": \"v1\",\n\t\"kind\": \"Secret\",\n\t\"metadata\": {\"name\": \"s\", \"namespace\": \"ops\"},\n\t\"data\": {\"n\": 1}\n}\n").Single();

        Assert.Equal("Secret ops/s", o.Ref.ToString());
        Assert.Equal(1, JsonOf(o)["data"]!["n"]!.GetValue<long>());
    }

    [Fact]
    public void Parse_ExpandsAnchorsAliasesAndMergeKeys_WhenDocumentReusesValues()
    {
        var o = Manifests.Parse("""
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: c
              labels: &labels {app: web, tier: front}
            data:
              base: &base {a: "1", b: "2"}
              copy: *base
              merged:
                <<: *base
                b: "3"
              labels: *labels
            """).Single();

        var data = JsonOf(o)["data"]!;
        Assert.Equal("""{"a":"1","b":"2"}""", data["copy"]!.ToJsonString());
        Assert.Equal("1", data["merged"]!["a"]!.GetValue<string>());
        Assert.Equal("3", data["merged"]!["b"]!.GetValue<string>());
        Assert.Equal("web", data["labels"]!["app"]!.GetValue<string>());
    }

    [Fact]
    public void Parse_SkipsEmptyAndCommentOnlyDocuments_WhenSeparatorsRepeatOrTrail()
    {
        var objects = Manifests.Parse("---\n# nothing here\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: sa\n---\n---\n");

        var only = Assert.Single(objects);
        Assert.Equal("ServiceAccount/sa", only.Ref.ToString());
        Assert.Equal(2, only.Document);
        Assert.Equal(4, only.Line);
    }

    [Fact]
    public void Parse_ReturnsTheItems_WhenDocumentIsAV1List()
    {
        var objects = Manifests.Parse("""
            apiVersion: v1
            kind: List
            items:
            - apiVersion: v1
              kind: ConfigMap
              metadata: {name: a, namespace: ops}
            - apiVersion: v1
              kind: ConfigMap
              metadata: {name: b, namespace: ops}
            """);

        Assert.Equal(["ConfigMap ops/a", "ConfigMap ops/b"], objects.Select(o => o.Ref.ToString()));
        Assert.Equal([4, 7], objects.Select(o => o.Line));
    }

    [Theory]
    [InlineData("kind: ConfigMap\nmetadata:\n  name: c\n", "Document 2 (line 6): apiVersion is missing.")]
    [InlineData("apiVersion: v1\nmetadata:\n  name: c\n", "Document 2 (line 6): kind is missing.")]
    [InlineData("apiVersion: v1\nkind: ConfigMap\n", "Document 2 (line 6): metadata.name is missing.")]
    [InlineData("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  labels: {a: b}\n", "Document 2 (line 8): metadata.name is missing.")]
    [InlineData("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  generateName: c-\n", "Document 2 (line 8): metadata.name is missing; generateName cannot be used, because applying needs a fixed name.")]
    [InlineData("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: 42\n", "Document 2 (line 9): metadata.name must be text, but it is the number 42.")]
    [InlineData("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \"\"\n", "Document 2 (line 9): metadata.name is empty.")]
    [InlineData("apiVersion: v1\nkind: ConfigMap\nmetadata: [a]\n", "Document 2 (line 8): metadata must be a mapping, but it is a list.")]
    [InlineData("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: [a]\n", "Document 2 (line 10): metadata.namespace must be text, but it is a list.")]
    [InlineData("- a\n- b\n", "Document 2 (line 6): expected a Kubernetes object (a mapping with apiVersion, kind and metadata), but found a list.")]
    [InlineData("just some text\n", "Document 2 (line 6): expected a Kubernetes object (a mapping with apiVersion, kind and metadata), but found the text 'just some text'.")]
    public void Parse_NamesDocumentAndLine_WhenAnObjectIsIncomplete(string second, string message)
    {
        var yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: first\n---\n" + second;

        Assert.Equal(message, ErrorOf(yaml));
    }

    [Theory]
    [InlineData("metadata:\n  name: c\n   bad: indent\n", "Document 2 (line 10, column 7): a ': ' is not allowed here. Check the indentation, or quote the value if it contains ': '.")]
    [InlineData("metadata:\n  name: c\n bad: 1\n", "Document 2 (line 10, column 2): this line does not line up with the keys above it, or it is missing its ':'.")]
    [InlineData("metadata:\n  name: \"c\n", "Document 2 (line 9, column 9): a quoted value is never closed.")]
    [InlineData("metadata:\n\tname: c\n", "Document 2 (line 9, column 1): tabs cannot indent YAML; use spaces.")]
    [InlineData("metadata: {name: c\n", "Document 2 (line 9, column 1): a { is not closed, or its entries are not separated by commas.")]
    [InlineData("metadata:\n  name: c\n  name: d\n", "Document 2 (line 10, column 3): metadata.name is given twice (first on line 9).")]
    [InlineData("metadata:\n  name: *nowhere\n", "Document 2 (line 9, column 9): *nowhere refers to no anchor &nowhere above it.")]
    public void Parse_ExplainsYamlErrorsWithLineAndColumn_WhenDocumentIsMalformed(string rest, string message)
    {
        var yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: first\n---\napiVersion: v1\nkind: ConfigMap\n" + rest;

        Assert.Equal(message, ErrorOf(yaml));
    }

    [Fact]
    public void Parse_NamesBothDocuments_WhenAnObjectIsDefinedTwice()
    {
        var yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: a}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: b}\n---\n"
                   + "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: a}\n";

        Assert.Equal("Document 3 (line 9): ConfigMap a/c is defined twice; document 1 (line 1) defines it too.", ErrorOf(yaml));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   \n")]
    [InlineData("# only a comment\n---\n---\n")]
    public void Parse_SaysThereAreNoObjects_WhenInputHasNoDocuments(string yaml) =>
        Assert.Equal("The manifests contain no Kubernetes objects.", ErrorOf(yaml));

    [Fact]
    public void Parse_RefusesWithTheSize_WhenInputIsOverTheLimit()
    {
        var yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  big: " + new string('x', Manifests.MaxBytes) + "\n";

        var message = ErrorOf(yaml);

        Assert.StartsWith("The manifests are 1,048,6", message);
        Assert.Contains("over the limit of 1,048,576 bytes (1 MiB)", message);
    }

    [Fact]
    public void Parse_Accepts_WhenInputIsExactlyAtTheLimit()
    {
        var head = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  big: ";
        var yaml = head + new string('x', Manifests.MaxBytes - head.Length - 1) + "\n";

        Assert.Single(Manifests.Parse(yaml));
    }

    [Fact]
    public void Parse_RefusesAliasBombs_WhenAliasesExpandBeyondReason()
    {
        var yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\na: &a [x, x, x, x, x, x, x, x, x, x]\n";
        for (var level = 'b'; level <= 'h'; level++)
            yaml += $"{level}: &{level} [{string.Join(", ", Enumerable.Repeat($"*{(char)(level - 1)}", 10))}]\n";

        Assert.Contains("aliases expand the document to more than 1,000,000 values", ErrorOf(yaml));
    }

    [Fact]
    public void InApplyOrder_PutsNamespacesAndCrdsFirstAndWorkloadsLast_WhenKindsAreMixed()
    {
        string Doc(string kind, string name) => $"apiVersion: v1\nkind: {kind}\nmetadata: {{name: {name}}}\n---\n";
        var objects = Manifests.Parse(Doc("Deployment", "web") + Doc("Service", "web") + Doc("CronJob", "report") + Doc("Namespace", "ns")
                                      + Doc("ConfigMap", "cfg") + Doc("DaemonSet", "agent") + Doc("CustomResourceDefinition", "crd")
                                      + Doc("ClusterRole", "reader") + Doc("Job", "migrate") + Doc("StatefulSet", "db") + Doc("Widget", "w"));

        var ordered = Manifests.InApplyOrder(objects).Select(o => o.Kind);

        Assert.Equal(["Namespace", "CustomResourceDefinition", "Service", "ConfigMap", "ClusterRole", "Widget",
            "Deployment", "CronJob", "DaemonSet", "Job", "StatefulSet"], ordered);
    }

    [Fact]
    public void Digest_StaysTheSame_WhenOnlyWhitespaceCommentsKeyOrderOrDocumentOrderChange()
    {
        var original = Manifests.Parse(Web);
        var reformatted = Manifests.Parse("""
            apiVersion: apps/v1
            kind: Deployment
            metadata: {labels: {app: web}, name: web}   # flow style now
            spec:
              selector: {matchLabels: {app: web}}
              paused: false
              progressDeadlineSeconds: null
              replicas: 3
              template:
                metadata: {labels: {app: web}}
                spec:
                  containers:
                  - {name: web, image: "web:1.2", ports: [{containerPort: 8080}]}
                  - name: sidecar
                    image: envoy:1.31
                  initContainers: [{name: migrate, image: web-migrate:1.2}]
            ---
            {"kind": "Namespace", "apiVersion": "v1", "metadata": {"name": "web"}}
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata:
                namespace: web
                name: web-config
            data: {replicas: "3", mode: blue}
            """);

        Assert.Equal(Manifests.Digest(original), Manifests.Digest(reformatted));
        Assert.Matches("^[0-9a-f]{64}$", Manifests.Digest(original));
    }

    [Theory]
    [InlineData("image: web:1.2", "image: web:1.3")]
    [InlineData("replicas: 3", "replicas: \"3\"")]
    [InlineData("mode: \"blue\"", "mode: \"green\"")]
    public void Digest_Changes_WhenContentChanges(string before, string after)
    {
        Assert.Contains(before, Web);

        Assert.NotEqual(Manifests.Digest(Manifests.Parse(Web)), Manifests.Digest(Manifests.Parse(Web.Replace(before, after))));
    }

    [Fact]
    public void Images_ListsContainerAndInitImagesOnce_WhenWorkloadsShareImages()
    {
        var objects = Manifests.Parse(Web + "\n" + """
            apiVersion: batch/v1
            kind: CronJob
            metadata: {name: report}
            spec:
              jobTemplate:
                spec:
                  template:
                    spec:
                      containers: [{name: report, image: "web:1.2"}, {name: upload, image: "uploader:3"}]
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: not-a-workload}
            data: {image: "ignored:1"}
            """);

        Assert.Equal(["web:1.2", "envoy:1.31", "web-migrate:1.2", "uploader:3"], Manifests.Images(objects));
    }

    [Fact]
    public void WithNamespace_SetsNamespaceInRefAndJson_WhenNamespacedObjectHasNone()
    {
        var deployment = Manifests.Parse(Web)[2];

        var placed = deployment.WithNamespace("shop");

        Assert.Equal("shop", placed.Namespace);
        Assert.Equal("Deployment shop/web", placed.Ref.ToString());
        Assert.Equal("shop", JsonOf(placed)["metadata"]!["namespace"]!.GetValue<string>());
        Assert.Equal("web", JsonOf(placed)["metadata"]!["labels"]!["app"]!.GetValue<string>());
    }

    [Fact]
    public void WithNamespace_KeepsTheObject_WhenItNamesItsOwnNamespace()
    {
        var config = Manifests.Parse(Web)[1];

        Assert.Same(config, config.WithNamespace("shop"));
    }

    [Theory]
    [InlineData("Namespace")]
    [InlineData("CustomResourceDefinition")]
    [InlineData("ClusterRole")]
    [InlineData("ClusterRoleBinding")]
    [InlineData("PriorityClass")]
    [InlineData("StorageClass")]
    [InlineData("ValidatingWebhookConfiguration")]
    [InlineData("PersistentVolume")]
    public void WithNamespace_LeavesClusterScopedKindsAlone_WhenTheyHaveNoNamespace(string kind)
    {
        var o = Manifests.Parse($"apiVersion: v1\nkind: {kind}\nmetadata: {{name: x}}\n").Single();

        var placed = o.WithNamespace("shop");

        Assert.Null(placed.Namespace);
        Assert.DoesNotContain("namespace", placed.Json);
    }

    [Fact]
    public void WithAnnotations_AddsToExistingAnnotations_WhenObjectHasSome()
    {
        var o = Manifests.Parse("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  annotations: {owner: team-a}\n").Single();

        var stamped = o.WithAnnotations(new Dictionary<string, string> { ["asiops.io/change"] = "42" });

        var annotations = JsonOf(stamped)["metadata"]!["annotations"]!;
        Assert.Equal("team-a", annotations["owner"]!.GetValue<string>());
        Assert.Equal("42", annotations["asiops.io/change"]!.GetValue<string>());
    }
}
