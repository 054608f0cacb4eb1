using AsiOpsPortal.Kubernetes;
using AsiOpsPortal.Tests.Shared;

namespace AsiOpsPortal.Core.Tests;

public class KubeconfigTests
{
    private const string ThreeContexts = """
        apiVersion: v1
        kind: Config
        clusters:
        - name: hz
          cluster:
            server: https://hz.example.com:6443
        - name: sh
          cluster:
            server: https://sh.example.com:6443
        users:
        - name: ops
          user:
            token: secret-token
        contexts:
        - name: hz-admin
          context:
            cluster: hz
            user: ops
        - name: sh-admin
          context:
            cluster: sh
            user: ops
        - name: sh-readonly
          context:
            cluster: sh
            user: ops
        current-context: sh-readonly
        """;

    /// <summary>One context "c" on cluster "c" with user "u"; the caller supplies the cluster and user bodies.</summary>
    private static string WithBodies(string clusterBody, string userBody) => $"""
        apiVersion: v1
        kind: Config
        clusters:
        - name: c
          cluster:
        {Indent(clusterBody, 4)}
        users:
        - name: u
          user:
        {Indent(userBody, 4)}
        contexts:
        - name: c
          context:
            cluster: c
            user: u
        current-context: c
        """;

    private static string Indent(string text, int spaces) =>
        string.Join("\n", text.Split('\n').Select(line => new string(' ', spaces) + line));

    private static string ResolveError(string text, string? context = null) =>
        Assert.Throws<KubeconfigException>(() => Kubeconfig.Resolve(text, context)).Message;

    [Fact]
    public void ListContexts_PutsCurrentContextFirst_WhenItIsNotFirstInTheFile()
    {
        var contexts = Kubeconfig.ListContexts(ThreeContexts);

        Assert.Equal(["sh-readonly", "hz-admin", "sh-admin"], contexts.Select(c => c.Name));
    }

    [Fact]
    public void ListContexts_ReturnsClusterAndServer_WhenContextsNameThem()
    {
        var contexts = Kubeconfig.ListContexts(ThreeContexts);

        Assert.Equal(new Kubeconfig.Context("hz-admin", "hz", "https://hz.example.com:6443"), contexts.Single(c => c.Name == "hz-admin"));
        Assert.Equal(new Kubeconfig.Context("sh-readonly", "sh", "https://sh.example.com:6443"), contexts[0]);
    }

    [Fact]
    public void ListContexts_Throws_WhenTheFileHasNoContexts()
    {
        var e = Assert.Throws<KubeconfigException>(() => Kubeconfig.ListContexts("apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\n"));

        Assert.Contains("has no contexts", e.Message);
    }

    [Fact]
    public void Resolve_ReturnsServerAndToken_WhenKubeconfigIsSelfContained()
    {
        var config = Kubeconfig.ClientConfiguration(TestKubeconfig.For("https://10.0.0.1:6443", token: "abc123"), null);

        Assert.Equal("https://10.0.0.1:6443", config.Host.TrimEnd('/'));
        Assert.Equal("abc123", config.AccessToken);
        Assert.Equal("test", config.CurrentContext);
    }

    [Fact]
    public void Resolve_UsesNamedContext_WhenOneIsGiven()
    {
        var context = Kubeconfig.Resolve(ThreeContexts, "hz-admin");

        Assert.Equal(new Kubeconfig.Context("hz-admin", "hz", "https://hz.example.com:6443"), context);
    }

    [Fact]
    public void Resolve_UsesCurrentContext_WhenContextIsBlank()
    {
        var context = Kubeconfig.Resolve(ThreeContexts, "  ");

        Assert.Equal(new Kubeconfig.Context("sh-readonly", "sh", "https://sh.example.com:6443"), context);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   \n\t\n")]
    public void Resolve_SaysEmpty_WhenTextIsBlank(string text) =>
        Assert.Equal("The kubeconfig is empty.", ResolveError(text));

    [Fact]
    public void ListContexts_SaysEmpty_WhenTextIsNull() =>
        Assert.Equal("The kubeconfig is empty.", Assert.Throws<KubeconfigException>(() => Kubeconfig.ListContexts(null!)).Message);

    [Fact]
    public void Resolve_SaysTooLarge_WhenTextExceeds256KiB()
    {
        var text = TestKubeconfig.For("https://10.0.0.1:6443") + "\n# " + new string('x', Kubeconfig.MaxBytes);

        Assert.StartsWith("The kubeconfig is larger than 256 KiB", ResolveError(text));
    }

    [Fact]
    public void Resolve_CountsBytesNotCharacters_WhenTextIsMultiByte()
    {
        // 100,000 characters, 300,000 bytes in UTF-8.
        var text = TestKubeconfig.For("https://10.0.0.1:6443") + "\n# " + new string('€', 100_000);

        Assert.StartsWith("The kubeconfig is larger than 256 KiB", ResolveError(text));
    }

    [Fact]
    public void Resolve_ReturnsConfig_WhenJustUnderTheSizeLimit()
    {
        var kubeconfig = TestKubeconfig.For("https://10.0.0.1:6443") + "\n# ";
        var text = kubeconfig + new string('x', Kubeconfig.MaxBytes - kubeconfig.Length);

        Assert.Equal("https://10.0.0.1:6443", Kubeconfig.Resolve(text, null).Server.TrimEnd('/'));
    }

    [Fact]
    public void Resolve_SaysCouldNotBeParsed_WhenTextIsNotYaml()
    {
        var message = ResolveError("apiVersion: v1\nclusters:\n  - name: a\n   bad: [\n");

        Assert.StartsWith("The kubeconfig could not be parsed:", message);
        Assert.DoesNotContain("\n", message);
    }

    [Fact]
    public void Resolve_NamesTheLine_WhenTextIsNotYaml()
    {
        // The broken indentation is on line 4; a person fixing a pasted file needs to know where.
        var message = ResolveError("apiVersion: v1\nclusters:\n  - name: a\n   bad: [\n");

        Assert.Contains("line 4", message, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("foo: bar\n")]
    [InlineData("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 3\n")]
    public void Resolve_SaysNotAKubeconfig_WhenYamlIsSomethingElse(string text) =>
        Assert.Contains("not a kubeconfig", ResolveError(text));

    [Theory]
    [InlineData("hello world")]
    [InlineData("- a\n- b\n")]
    public void Resolve_SaysCouldNotBeParsed_WhenYamlIsNotAMapping(string text) =>
        Assert.StartsWith("The kubeconfig could not be parsed:", ResolveError(text));

    [Fact]
    public void Resolve_ListsAvailableContexts_WhenContextIsUnknown() =>
        Assert.Equal(
            "The kubeconfig has no context named 'prod'. It has: hz-admin, sh-admin, sh-readonly.",
            ResolveError(ThreeContexts, "prod"));

    [Fact]
    public void Resolve_AsksForAContext_WhenNoneGivenAndNoCurrentContext()
    {
        var text = ThreeContexts.Replace("current-context: sh-readonly", "");

        Assert.Equal("The kubeconfig sets no current-context; pick one of its contexts.", ResolveError(text));
    }

    [Fact]
    public void Resolve_NamesMissingCluster_WhenContextPointsAtUndefinedCluster()
    {
        var text = ThreeContexts.Replace("cluster: hz\n", "cluster: ghost\n");

        Assert.Equal("Context 'hz-admin' points at cluster 'ghost', which the kubeconfig does not define.", ResolveError(text, "hz-admin"));
    }

    [Fact]
    public void Resolve_RefusesExecPlugin_WhenUserGetsCredentialsFromACommand()
    {
        var text = WithBodies("server: https://c.example.com:6443", """
            exec:
              apiVersion: client.authentication.k8s.io/v1beta1
              command: aws
              args: ["eks", "get-token", "--cluster-name", "prod"]
            """);

        var message = ResolveError(text);

        Assert.Contains("running a command or auth plugin", message);
        Assert.Contains("never runs commands", message);
    }

    [Fact]
    public void Resolve_RefusesAuthProvider_WhenUserUsesOne()
    {
        var text = WithBodies("server: https://c.example.com:6443", """
            auth-provider:
              name: gcp
              config:
                cmd-path: /usr/bin/gcloud
            """);

        Assert.Contains("running a command or auth plugin", ResolveError(text));
    }

    [Fact]
    public void Resolve_RefusesCaFile_WhenClusterReferencesCertificateAuthorityPath()
    {
        var text = WithBodies("server: https://c.example.com:6443\ncertificate-authority: /etc/kubernetes/pki/ca.crt", "token: t");

        Assert.StartsWith("The kubeconfig refers to a CA certificate file; embed it instead", ResolveError(text));
    }

    [Theory]
    [InlineData("client-certificate: /home/me/.kube/client.crt\nclient-key-data: a2V5")]
    [InlineData("client-certificate-data: Y2VydA==\nclient-key: /home/me/.kube/client.key")]
    public void Resolve_RefusesClientCertificateFiles_WhenUserReferencesPaths(string userBody)
    {
        var text = WithBodies("server: https://c.example.com:6443", userBody);

        Assert.StartsWith("The kubeconfig refers to client certificate files; embed them instead", ResolveError(text));
    }

    [Theory]
    [InlineData("server: c.example.com:6443", "c.example.com:6443")]
    [InlineData("server: ftp://c.example.com", "ftp://c.example.com")]
    [InlineData("server: not a url", "not a url")]
    [InlineData("insecure-skip-tls-verify: true", "")]
    public void Resolve_SaysServerUrlIsInvalid_WhenItIsNotHttpOrHttps(string clusterBody, string shown) =>
        Assert.Equal(
            $"Cluster 'c' has no valid server URL (got '{shown}'); it should look like https://host:6443.",
            ResolveError(WithBodies(clusterBody, "token: t")));

    [Fact]
    public void Resolve_ExplainsWhyContextIsUnusable_WhenEmbeddedDataIsNotBase64()
    {
        var text = WithBodies("server: https://c.example.com:6443\ncertificate-authority-data: not*base64!", "token: t");

        Assert.StartsWith("The kubeconfig's context 'c' cannot be used:", ResolveError(text));
    }
}
