using System.Net;
using System.Net.Http.Json;
using AsiOpsPortal.IntegrationTests.Infrastructure;
using AsiOpsPortal.Tests.Shared;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace AsiOpsPortal.IntegrationTests.Clusters;

/// <summary>Registering clusters through /api/v1 with kubeconfigs FleetSim issues, good and bad.</summary>
public sealed class ClusterRegistrationTests(PortalWithFleet world) : IClassFixture<PortalWithFleet>
{
    private readonly HttpClient _bob = world.Portal.ApiClient("bob");

    [Fact]
    public async Task PostClusters_MakesEveryFleetSimNodeVisible_WhenRegisteredAndSynced()
    {
        var sim = world.Cluster("staging-hangzhou-01");

        var created = await _bob.RegisterAsync(world.Fleet, sim, new Dictionary<string, string> { ["team"] = "sre" });
        Assert.Equal(sim.Name, created["summary"]!["name"]!.GetValue<string>());
        Assert.Equal(sim.KubernetesVersion, created["summary"]!["kubernetesVersion"]!.GetValue<string>());

        // Registration queues a first sync; a requested one must then run again on Hangfire and record a later time.
        var first = PortalApi.SyncedAt(await _bob.WaitForSyncAsync(sim.Name))!.Value;
        using (var sync = await _bob.PostAsync($"/api/v1/clusters/{sim.Name}/sync", null))
            Assert.Equal(HttpStatusCode.Accepted, sync.StatusCode);
        var cluster = (await _bob.WaitForSyncAsync(sim.Name, after: first))["summary"]!;

        Assert.Equal("Healthy", cluster["status"]!.GetValue<string>());
        Assert.Equal(sim.NodeCount, cluster["nodesTotal"]!.GetValue<int>());
        Assert.Equal(sim.NodeCount, cluster["nodesReady"]!.GetValue<int>());
        Assert.Equal(sim.KubernetesVersion, cluster["kubernetesVersion"]!.GetValue<string>());

        var nodes = await (await _bob.GetAsync($"/api/v1/clusters/{sim.Name}/nodes?pageSize=500")).ExpectJsonAsync(HttpStatusCode.OK, "listing nodes");
        Assert.Equal(sim.NodeCount, nodes["total"]!.GetValue<int>());
        var items = nodes["items"]!.AsArray();
        var expectedNames = await world.Fleet.NodeNamesAsync(sim.Name);
        Assert.Equal(sim.NodeCount, expectedNames.Count);
        Assert.Equal(expectedNames.Order(), items.Select(n => n!["name"]!.GetValue<string>()).Order());
        Assert.All(items, n => Assert.Equal(sim.KubernetesVersion, n!["kubeletVersion"]!.GetValue<string>()));

        var staging = await (await _bob.GetAsync("/api/v1/clusters?environment=staging")).ExpectJsonAsync(HttpStatusCode.OK, "listing staging");
        Assert.Equal(1, staging["total"]!.GetValue<int>());
        Assert.Equal(sim.Name, Assert.Single(staging["items"]!.AsArray())!["name"]!.GetValue<string>());
        var none = await (await _bob.GetAsync("/api/v1/clusters?environment=prod")).ExpectJsonAsync(HttpStatusCode.OK, "listing prod");
        Assert.Equal(0, none["total"]!.GetValue<int>());
        Assert.Empty(none["items"]!.AsArray());
    }

    public static TheoryData<string, string[]> BadKubeconfigs => new()
    {
        { "unparseable", ["could not be parsed"] },
        { "unknown-context", ["no context named 'elsewhere'"] },
        { "unreachable", ["could not reach the API server at 127.0.0.1:", "nothing was saved"] },
        { "tls-untrusted-certificate", ["TLS"] },
        { "tls-to-plain-http-port", ["TLS"] },
        { "wrong-token", ["credentials", "401"] },
        { "exec-plugin", ["never runs commands"] },
    };

    [Theory]
    [MemberData(nameof(BadKubeconfigs))]
    public async Task PostClusters_Returns400SayingWhatIsWrongAndSavesNothing_WhenKubeconfigIsBad(string problem, string[] detailMentions)
    {
        var sim = world.Cluster("test-hangzhou-01");
        var server = world.Fleet.ServerUrl(sim.Name);
        await using var plainHttp = new PlainHttpPort();
        var execMarker = Path.Combine(Path.GetTempPath(), $"asiops-exec-plugin-{Guid.NewGuid():N}");
        var kubeconfig = problem switch
        {
            "unparseable" => "apiVersion: v1\nkind: Config\nclusters: [\n  - name: broken\n    cluster: {server: http://x\n",
            "unknown-context" => world.Fleet.Kubeconfig(sim.Name),
            "unreachable" => TestKubeconfig.For($"http://127.0.0.1:{ClosedPort.Find()}", token: world.Fleet.Token(sim.Name)),
            // FleetSim's own certificate, but without the CA the kubeconfig should embed.
            "tls-untrusted-certificate" => TestKubeconfig.For(server.Replace("http://", "https://"), token: world.Fleet.Token(sim.Name)),
            "tls-to-plain-http-port" => TestKubeconfig.For($"https://127.0.0.1:{plainHttp.Port}/clusters/{sim.Name}", token: world.Fleet.Token(sim.Name)),
            "wrong-token" => TestKubeconfig.For(server, token: "fsim-not-the-right-token"),
            "exec-plugin" => ExecPluginKubeconfig(server, execMarker),
            _ => throw new ArgumentOutOfRangeException(nameof(problem)),
        };
        var name = $"bad-{problem}";

        using var response = await _bob.RegisterAsync(name, kubeconfig, context: problem == "unknown-context" ? "elsewhere" : null);

        var problemDetails = await response.ExpectJsonAsync(HttpStatusCode.BadRequest, $"registering with a {problem} kubeconfig");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var detail = problemDetails["detail"]!.GetValue<string>();
        foreach (var mention in detailMentions)
            Assert.Contains(mention, detail, StringComparison.OrdinalIgnoreCase);
        Assert.False(await ClusterRowExistsAsync(name), $"A cluster row named {name} was saved although registration failed.");
        Assert.False(File.Exists(execMarker), "The portal ran the kubeconfig's exec plugin.");
    }

    [Theory]
    [InlineData("http://169.254.169.254/")] // the cloud's metadata service
    [InlineData("http://[fd00:ec2::254]/")]
    [InlineData("http://169.254.10.1:6443/")]
    [InlineData("http://[::ffff:169.254.169.254]/")] // the same service, written as IPv6
    public async Task PostClusters_RefusesLinkLocalMetadataAndUnspecifiedAddresses_WithoutAnAllowList(string server)
    {
        var name = $"refused-{Math.Abs(server.GetHashCode()) % 100000}";
        var kubeconfig = TestKubeconfig.For(server, token: world.Fleet.Token(world.Cluster("test-hangzhou-01").Name));

        using var response = await _bob.RegisterAsync(name, kubeconfig);

        var problem = await response.ExpectJsonAsync(HttpStatusCode.BadRequest, $"registering a cluster at {server}");
        var detail = problem["detail"]!.GetValue<string>();
        Assert.Contains("never an API server, so the portal will not call it", detail);
        Assert.Contains("nothing was saved", detail, StringComparison.OrdinalIgnoreCase);
        Assert.False(await ClusterRowExistsAsync(name));
    }

    [Fact]
    public async Task PostClusters_SaysTheSameOfAClosedPortAndASilentOne_SoRegistrationCannotMapPorts()
    {
        var token = world.Fleet.Token(world.Cluster("test-hangzhou-01").Name);
        using var silent = new SilentPort();
        using var greeting = new GreetingPort();
        var closed = ClosedPort.Find();

        async Task<string> DetailFor(string scheme, int port)
        {
            using var response = await _bob.RegisterAsync($"port-{port}", TestKubeconfig.For($"{scheme}://127.0.0.1:{port}", token: token));
            var detail = (await response.ExpectJsonAsync(HttpStatusCode.BadRequest, $"registering a cluster at port {port}"))["detail"]!.GetValue<string>();
            return detail.Replace(port.ToString(), "PORT");
        }

        var refused = await DetailFor("http", closed);
        var timedOut = await DetailFor("http", silent.Port);
        // Over https, an open port where something else answers fails the TLS handshake: that must not show either.
        var notTls = await DetailFor("https", greeting.Port);
        var refusedOverTls = await DetailFor("https", closed);

        Assert.Equal(refused, timedOut);
        Assert.Equal(refused, notTls);
        Assert.Equal(refused, refusedOverTls);
        Assert.DoesNotContain("TLS", refused);
        Assert.Contains("could not reach the API server at 127.0.0.1:PORT", refused);
        Assert.DoesNotContain("refused", refused, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("timed out", refused, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task PostClusters_Returns409_WhenNameIsAlreadyRegistered()
    {
        var sim = world.Cluster("test-shanghai-01");
        await _bob.RegisterAsync(world.Fleet, sim);

        using var again = await _bob.RegisterAsync(sim.Name, world.Fleet.Kubeconfig(sim.Name), "prod", "cn-shanghai", tier: 0);

        var problem = await again.ExpectJsonAsync(HttpStatusCode.Conflict, "registering a duplicate");
        Assert.Contains("already registered", problem["detail"]!.GetValue<string>());
        var kept = (await _bob.GetClusterAsync(sim.Name))!["summary"]!;
        Assert.Equal(sim.Environment, kept["environment"]!.GetValue<string>());
    }

    [Fact]
    public async Task PostClusters_Returns400ListingEveryProblem_WhenMetadataIsInvalid()
    {
        var sim = world.Cluster("test-shanghai-02");
        const string name = "<b>prod</b>";

        using var response = await _bob.RegisterAsync(name, world.Fleet.Kubeconfig(sim.Name), "production", "cn-shanghai", tier: 9);

        var problem = await response.ExpectJsonAsync(HttpStatusCode.BadRequest, "registering with invalid metadata");
        var errors = problem["errors"]!.AsArray().Select(e => e!.GetValue<string>()).ToList();
        Assert.Contains(errors, e => e.StartsWith("Name must be"));
        Assert.Contains(errors, e => e.StartsWith("Tier must be between 0"));
        Assert.Contains(errors, e => e.StartsWith("Environment must be one of"));
        var detail = problem["detail"]!.GetValue<string>();
        Assert.Contains("Name must be", detail);
        Assert.Contains("Tier must be", detail);
        Assert.False(await ClusterRowExistsAsync(name));
        Assert.Empty(world.Fleet.RequestLog(sim.Name));
    }

    [Fact]
    public async Task PostClusters_KeepsTokenAndServerOutOfStorageAndResponses_WhenRegistered()
    {
        var sim = world.Cluster("test-beijing-01");
        var token = world.Fleet.Token(sim.Name);
        var server = world.Fleet.ServerUrl(sim.Name);
        Assert.Contains(token, world.Fleet.Kubeconfig(sim.Name));

        using var created = await _bob.RegisterAsync(sim.Name, world.Fleet.Kubeconfig(sim.Name), sim.Environment, sim.Region, sim.Zone, sim.Tier);
        var createdBody = await created.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        await _bob.WaitForSyncAsync(sim.Name);

        await using (var connection = new NpgsqlConnection(world.Portal.Db.ConnectionString))
        {
            await connection.OpenAsync();
            await using var select = new NpgsqlCommand("""SELECT "EncryptedKubeconfig" FROM clusters WHERE "Name" = @name""", connection);
            select.Parameters.AddWithValue("name", sim.Name);
            var stored = (string)(await select.ExecuteScalarAsync())!;
            Assert.False(string.IsNullOrEmpty(stored));
            Assert.DoesNotContain(token, stored);
            Assert.DoesNotContain(server, stored);
            Assert.DoesNotContain("127.0.0.1", stored);
            Assert.DoesNotContain("current-context", stored);
        }

        var responses = new List<string> { createdBody };
        foreach (var path in new[] { $"/api/v1/clusters/{sim.Name}", "/api/v1/clusters?pageSize=500", $"/api/v1/clusters/{sim.Name}/nodes", "/api/v1/audit?pageSize=500" })
        {
            using var response = await _bob.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            responses.Add(await response.Content.ReadAsStringAsync());
        }
        Assert.All(responses, body => Assert.DoesNotContain(token, body));
    }

    private async Task<bool> ClusterRowExistsAsync(string name)
    {
        await using var db = world.Portal.Db.CreateContext();
        return await db.Clusters.AnyAsync(c => c.Name == name);
    }

    private static string ExecPluginKubeconfig(string server, string marker) => $"""
        apiVersion: v1
        kind: Config
        clusters:
        - name: sim
          cluster:
            server: {server}
        users:
        - name: sim-user
          user:
            exec:
              apiVersion: client.authentication.k8s.io/v1beta1
              command: /bin/sh
              args: ["-c", "touch {marker}"]
              interactiveMode: Never
        contexts:
        - name: sim
          context:
            cluster: sim
            user: sim-user
        current-context: sim
        """;
}
