using AsiOpsPortal.Core.Audit;
using AsiOpsPortal.Core.Data;
using AsiOpsPortal.Kubernetes;
using AsiOpsPortal.Web.Clusters;
using AsiOpsPortal.Web.Clusters.Pages;
using AsiOpsPortal.Web.Tests.Support;
using static AsiOpsPortal.Web.Tests.Support.PortalTestContext;

namespace AsiOpsPortal.Web.Tests.Clusters;

public sealed class RegisterClusterTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = PortalTestContext.WaitTimeout;
    private const string MalformedYaml = "apiVersion: v1\nclusters:\n  - name: a\n   bad: [\n";
    private PortalTestContext _portal = null!;

    public async Task InitializeAsync() => _portal = await PortalTestContext.CreateAsync(nameof(RegisterClusterTests));

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    private IRenderedComponent<RegisterCluster> RenderFilled(string name, string kubeconfig, string region = "cn-hangzhou", string? environment = null)
    {
        var cut = _portal.Render<RegisterCluster>();
        cut.Fill("[data-testid=field-name]", name);
        cut.Type("[data-testid=field-kubeconfig]", kubeconfig);
        cut.Fill("[data-testid=field-region]", region);
        if (environment is not null) _portal.Choose(cut, "Environment", environment);
        return cut;
    }

    private static string FormError(IRenderedComponent<RegisterCluster> cut) => cut.Find("[data-testid=form-error]").TextContent.Trim();

    private async Task AssertNothingSavedAsync()
    {
        Assert.Empty(await _portal.QueryAsync(db => db.Clusters));
        Assert.Empty(await _portal.QueryAsync(db => db.AuditEvents));
        Assert.Empty(_portal.Jobs.Jobs);
    }

    [Fact]
    public void RegisterCluster_StopsTypingTheNameAndRegionAtTheLengthTheServerStores()
    {
        var cut = _portal.Render<RegisterCluster>();

        Assert.Equal($"{StoredText.Name}", cut.Find("[data-testid=field-name]").GetAttribute("maxlength"));
        Assert.Equal($"{StoredText.Name}", cut.Find("[data-testid=field-region]").GetAttribute("maxlength"));
    }

    [Fact]
    public void RegisterCluster_ShowsParseError_WhenPastedKubeconfigIsMalformed()
    {
        var cut = _portal.Render<RegisterCluster>();
        cut.Type("[data-testid=field-kubeconfig]", MalformedYaml);

        cut.Click("[data-testid=read-contexts]");

        Assert.StartsWith("The kubeconfig could not be parsed:", FormError(cut));
        Assert.Empty(cut.FindAll("[data-testid=field-context]"));
    }

    private const string TwoContexts = """
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
        current-context: sh-admin
        """;

    [Fact]
    public void RegisterCluster_OffersContextsCurrentFirst_WhenPastedKubeconfigIsValid()
    {
        var cut = _portal.Render<RegisterCluster>();
        cut.Type("[data-testid=field-kubeconfig]", TwoContexts);

        cut.Click("[data-testid=read-contexts]");

        Assert.Empty(cut.FindAll("[data-testid=form-error]"));
        Assert.Equal("sh-admin (https://sh.example.com:6443)", cut.Find("[data-testid=field-context]").TextContent.Trim());
        _portal.Choose(cut, "Context", "hz-admin (https://hz.example.com:6443)");
        cut.WaitForAssertion(() => Assert.Equal("hz-admin (https://hz.example.com:6443)", cut.Find("[data-testid=field-context]").TextContent.Trim()), Timeout);
    }

    [Fact]
    public void RegisterCluster_ClearsTheParseError_WhenTheKubeconfigIsFixed()
    {
        var cut = _portal.Render<RegisterCluster>();
        cut.Type("[data-testid=field-kubeconfig]", MalformedYaml);
        cut.Click("[data-testid=read-contexts]");

        cut.Type("[data-testid=field-kubeconfig]", KubeconfigFor("prod-hz-09"));
        cut.Click("[data-testid=read-contexts]");

        Assert.Empty(cut.FindAll("[data-testid=form-error]"));
        Assert.NotEmpty(cut.FindAll("[data-testid=field-context]"));
    }

    [Fact]
    public async Task RegisterCluster_SaysNothingWasSaved_WhenTheClusterCannotBeReached()
    {
        _portal.Fleet.Failing("prod-hz-09", ClusterFailure.Unreachable, "prod-hz-09: connection refused by 10.0.0.9:6443.");
        var cut = RenderFilled("prod-hz-09", KubeconfigFor("prod-hz-09"));

        cut.Click("[data-testid=submit]");

        cut.WaitForAssertion(() => Assert.Equal(
            "The portal could not use this cluster, so nothing was saved. prod-hz-09: connection refused by 10.0.0.9:6443.", FormError(cut)), Timeout);
        Assert.Equal("Register", cut.Find("[data-testid=submit]").TextContent.Trim());
        Assert.False(cut.Find("[data-testid=submit]").HasAttribute("disabled"));
        await AssertNothingSavedAsync();
    }

    [Fact]
    public async Task RegisterCluster_RegistersAndOpensTheCluster_WhenTheClusterAnswers()
    {
        _portal.Fleet.With("prod-hz-09", nodes: 3);
        var cut = RenderFilled("prod-hz-09", KubeconfigFor("prod-hz-09"), region: "cn-hangzhou", environment: "prod");

        cut.Click("[data-testid=submit]");

        cut.WaitForAssertion(() => Assert.EndsWith("/clusters/prod-hz-09", _portal.Navigation.Uri), Timeout);
        var cluster = Assert.Single(await _portal.QueryAsync(db => db.Clusters));
        Assert.Equal(("prod-hz-09", "prod", "cn-hangzhou", "https://prod-hz-09.example.com:6443"),
            (cluster.Name, cluster.Environment, cluster.Region, cluster.ApiEndpoint.TrimEnd('/')));
        Assert.DoesNotContain("test-token", cluster.EncryptedKubeconfig);
        var registered = Assert.Single(await _portal.QueryAsync(db => db.AuditEvents));
        Assert.Equal((AuditActions.ClusterRegistered, "bob", "cluster/prod-hz-09"), (registered.Action, registered.Actor, registered.Target));
        var firstSync = Assert.Single(_portal.Jobs.Jobs);
        Assert.Equal(nameof(InventorySyncJob.SyncClusterAsync), firstSync.Method.Name);
        Assert.Equal(cluster.Id, firstSync.Args[0]);
    }

    [Fact]
    public async Task RegisterCluster_ListsEveryProblem_WhenNameAndRegionAreInvalid()
    {
        _portal.Fleet.With("prod-hz-09", nodes: 3);
        var cut = RenderFilled("Prod_HZ", KubeconfigFor("prod-hz-09"), region: "");

        cut.Click("[data-testid=submit]");

        cut.WaitForAssertion(() => Assert.Contains("Name must be 1-63 lowercase letters", FormError(cut)), Timeout);
        Assert.Contains("Region is required", FormError(cut));
        await AssertNothingSavedAsync();
    }

    [Fact]
    public async Task RegisterCluster_RefusesExecPlugins_WhenKubeconfigRunsACommand()
    {
        var kubeconfig = KubeconfigFor("prod-hz-09").Replace("    token: test-token", "    exec:\n      command: /bin/sh\n      args: [\"-c\", \"echo pwned\"]");
        _portal.Fleet.With("prod-hz-09", nodes: 3);
        var cut = RenderFilled("prod-hz-09", kubeconfig);

        cut.Click("[data-testid=submit]");

        cut.WaitForAssertion(() => Assert.Contains("never runs commands", FormError(cut)), Timeout);
        await AssertNothingSavedAsync();
    }

    [Fact]
    public async Task RegisterCluster_SaysTheNameIsTaken_WhenAClusterAlreadyHasIt()
    {
        await _portal.SeedAsync(new SeedCluster("prod-hz-09", "prod", "cn-hangzhou"));
        var cut = RenderFilled("prod-hz-09", KubeconfigFor("prod-hz-09"));

        cut.Click("[data-testid=submit]");

        cut.WaitForAssertion(() => Assert.Equal("A cluster named 'prod-hz-09' is already registered.", FormError(cut)), Timeout);
        Assert.Single(await _portal.QueryAsync(db => db.Clusters));
    }

    [Fact]
    public async Task RegisterCluster_ExplainsTheLabelFormat_WhenALabelHasNoValue()
    {
        _portal.Fleet.With("prod-hz-09", nodes: 3);
        var cut = RenderFilled("prod-hz-09", KubeconfigFor("prod-hz-09"));
        cut.Fill("input[placeholder='team=infra, gpu=true']", "team=infra, gpu");

        cut.Click("[data-testid=submit]");

        cut.WaitForAssertion(() => Assert.Equal("Label 'gpu' should look like key=value.", FormError(cut)), Timeout);
        await AssertNothingSavedAsync();
    }
}
