using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using AsiOpsPortal.Core.Accounts;
using AsiOpsPortal.IntegrationTests.Infrastructure;
using AsiOpsPortal.Tests.Shared;
using AsiOpsPortal.Web.Accounts;
using AsiOpsPortal.Web.Defender;
using AsiOpsPortal.Web.Defender.Admission;
using Microsoft.Extensions.DependencyInjection;

namespace AsiOpsPortal.IntegrationTests.Defender;

/// <summary>
/// The admission webhook end to end: real kubectl against FleetSim, whose API server calls the portal's HTTPS listener with
/// the cluster's token; the portal decides on PostgreSQL. Each test guards a cluster of its own with budgets scoped to it.
/// </summary>
public sealed class AdmissionWebhookTests(DefenderWebhookFleet fixture) : IClassFixture<DefenderWebhookFleet>
{
    private const string DeniedBy = DefenderWebhookFleet.DeniedBy;

    private static object Budget(string name, string cluster, Dictionary<string, int> limits, string[]? verbs = null, bool trip = false,
        string[]? namespaces = null) => new
    {
        name,
        scope = new { clusters = new[] { cluster }, namespaces },
        resources = new[] { "pods" },
        verbs = verbs ?? ["delete"],
        limits,
        breaker = new { tripOnExhaustion = trip, coolDownMinutes = 0 },
    };

    private static async Task<string[]> WebPodsAsync(Kubectl kubectl) =>
        (await kubectl.SucceedAsync("get", "pods", "-l", "app=web", "-o", "jsonpath={.items[*].metadata.name}")).Split(' ', StringSplitOptions.RemoveEmptyEntries);

    private static async Task<Kubectl.Result> DeleteWebPodAsync(Kubectl kubectl) =>
        await kubectl.RunAsync("delete", "pod", (await WebPodsAsync(kubectl))[0], "--wait=false");

    [Fact]
    public async Task KubectlDeletePod_IsRefusedWithTheBudgetsMessage_OnceTheMinuteIsSpent_AndAllowedAfterRefill()
    {
        var cluster = await fixture.GuardAsync();
        await fixture.CreateBudgetAsync(Budget("webhook-pods", cluster.Name, new() { ["1m"] = 3 }));

        for (var i = 1; i <= 3; i++)
        {
            var allowed = await DeleteWebPodAsync(cluster.Kubectl);
            Assert.True(allowed.ExitCode == 0, $"delete {i} of 3 should pass: {allowed.All}");
        }
        var refused = await DeleteWebPodAsync(cluster.Kubectl);
        var dryRun = await cluster.Kubectl.RunAsync("delete", "pod", (await WebPodsAsync(cluster.Kubectl))[0], "--dry-run=server");
        fixture.Clock.Advance(TimeSpan.FromMinutes(1));
        var refilled = await DeleteWebPodAsync(cluster.Kubectl);

        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains($"Error from server (Forbidden): {DeniedBy}: Refused: defender budget 'webhook-pods' has no token left in its 1m window (3/3 used)", refused.Error);
        Assert.True(dryRun.ExitCode == 0, $"a dry run spends nothing and is never refused: {dryRun.All}");
        Assert.True(refilled.ExitCode == 0, $"a minute later the window has a token again: {refilled.All}");
    }

    [Fact]
    public async Task KubectlDrain_Stops_WhenTheEvictionBudgetIsSpent()
    {
        var cluster = await fixture.GuardAsync();
        var kubectl = cluster.Kubectl;
        await kubectl.SucceedAsync("scale", "deployment", "web", "--replicas=12");
        var nodes = await Eventually.UntilAsync(
            async () => (await kubectl.SucceedAsync("get", "pods", "-l", "app=web", "-o", "jsonpath={range .items[*]}{.spec.nodeName}{\"\\n\"}{end}"))
                .Split('\n', StringSplitOptions.RemoveEmptyEntries),
            n => n.Length == 12, "twelve web pods");
        var node = nodes.GroupBy(n => n).MaxBy(g => g.Count())!;
        Assert.True(node.Count() >= 2, $"the busiest node should run at least two web pods: {string.Join(", ", nodes)}");
        await fixture.CreateBudgetAsync(Budget("webhook-evictions", cluster.Name, new() { ["1m"] = 1 }, verbs: ["eviction"], namespaces: ["default"]));

        var drain = await kubectl.RunAsync("drain", node.Key, "--ignore-daemonsets", "--delete-emptydir-data", "--timeout=20s");

        Assert.NotEqual(0, drain.ExitCode);
        Assert.Contains($"{DeniedBy}: Refused: defender budget 'webhook-evictions' has no token left in its 1m window (1/1 used)", drain.All);
        var left = (await kubectl.SucceedAsync("get", "pods", "-l", "app=web", "--field-selector", $"spec.nodeName={node.Key}", "-o", "name"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(node.Count() - 1 == left.Length, $"one web pod of {node.Count()} should have been evicted, {left.Length} are left: {drain.All}");
    }

    [Fact]
    public async Task Breaker_RefusesEveryDeleteInScopeOnceTripped_UntilAnSreResetsIt()
    {
        var cluster = await fixture.GuardAsync();
        var kubectl = cluster.Kubectl;
        await kubectl.SucceedAsync("create", "configmap", "settings", "--from-literal=a=b");
        await fixture.CreateBudgetAsync(Budget("webhook-breaker", cluster.Name, new() { ["1m"] = 1 }, trip: true));

        Assert.Equal(0, (await DeleteWebPodAsync(kubectl)).ExitCode);
        var tripping = await DeleteWebPodAsync(kubectl);
        var configMapWhileOpen = await kubectl.RunAsync("delete", "configmap", "settings");
        using var reset = await fixture.Portal.ApiClient("bob").PostAsJsonAsync("/api/v1/defender/breakers/webhook-breaker/reset", new { reason = "checked: a test" });
        var configMapAfterReset = await kubectl.RunAsync("delete", "configmap", "settings");

        Assert.Contains("Breaker opened for 'webhook-breaker'", tripping.Error);
        Assert.NotEqual(0, configMapWhileOpen.ExitCode);
        Assert.Contains($"{DeniedBy}: Refused: the breaker of defender budget 'webhook-breaker' has been open since", configMapWhileOpen.Error);
        await reset.ExpectJsonAsync(HttpStatusCode.OK, "resetting the breaker");
        Assert.True(configMapAfterReset.ExitCode == 0, $"with the breaker closed, a delete outside the budget's resources passes: {configMapAfterReset.All}");
    }

    [Fact]
    public async Task Deletes_FailClosed_WhileTheListenerIsDown_AndReadsAreUnaffected()
    {
        var cluster = await fixture.GuardAsync();
        await fixture.Listener.StopAsync(CancellationToken.None);
        Kubectl.Result delete, get;
        try
        {
            delete = await DeleteWebPodAsync(cluster.Kubectl);
            get = await cluster.Kubectl.RunAsync("get", "pods", "-l", "app=web");
        }
        finally
        {
            await fixture.Listener.StartAsync(CancellationToken.None);
        }
        var afterRestart = await DeleteWebPodAsync(cluster.Kubectl);

        Assert.NotEqual(0, delete.ExitCode);
        Assert.Contains($"failed calling webhook \"{DefenderWebhookFleet.WebhookName}\"", delete.Error);
        Assert.True(get.ExitCode == 0, $"reads never call the webhook: {get.All}");
        Assert.True(afterRestart.ExitCode == 0, $"the listener came back on its port: {afterRestart.All}");
    }

    [Fact]
    public async Task Deletes_AreRefused_WhenTheApiServerPresentsNoTokenAWrongOneOrAnotherClusters()
    {
        var cluster = await fixture.GuardAsync();
        var other = await fixture.GuardAsync();

        var outcomes = new List<Kubectl.Result>();
        foreach (var token in new[] { null, "not-a-token", other.Token })
        {
            await fixture.PresentTokenAsync(cluster.Name, token);
            outcomes.Add(await DeleteWebPodAsync(cluster.Kubectl));
        }

        Assert.All(outcomes, o =>
        {
            Assert.NotEqual(0, o.ExitCode);
            Assert.Contains($"failed calling webhook \"{DefenderWebhookFleet.WebhookName}\"", o.Error);
            Assert.Contains("Unauthorized", o.Error);
        });
    }

    [Fact]
    public async Task AnAgentOverItsLimit_GetsTooManyRequests_ThroughKubectl()
    {
        var cluster = await fixture.GuardAsync();
        var kubectl = cluster.Kubectl;
        await kubectl.SucceedAsync("create", "secret", "generic", "first", "--from-literal=a=b");
        await kubectl.SucceedAsync("create", "secret", "generic", "second", "--from-literal=a=b");
        await fixture.Portal.Services.GetRequiredService<DefenderService>()
            .CreateAgentLimitAsync(new AgentLimitRequest("kubectl/*", "secrets", "delete", 1), new Actor("bob", Roles.Sre));

        var first = await kubectl.RunAsync("delete", "secret", "first");
        var second = await kubectl.RunAsync("delete", "secret", "second");

        Assert.True(first.ExitCode == 0, first.All);
        Assert.NotEqual(0, second.ExitCode);
        Assert.Contains($"Error from server (TooManyRequests): {DeniedBy}: Too many requests: user agent 'kubectl/", second.Error);
    }

    /// <summary>A client that trusts the webhook's caBundle alone, as an API server does.</summary>
    private async Task<HttpClient> WebhookClientAsync(string? token)
    {
        var caPem = Encoding.ASCII.GetString(Convert.FromBase64String(await fixture.Portal.Services.GetRequiredService<DefenderCertificates>().CaBundleAsync()));
        var roots = new X509Certificate2Collection();
        roots.ImportFromPem(caPem);
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
        {
            if (certificate is not X509Certificate2 leaf || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != 0) return false;
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(roots);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return chain.Build(leaf);
        };
        var client = new HttpClient(handler) { BaseAddress = fixture.Listener.Address, Timeout = TimeSpan.FromSeconds(10) };
        if (token is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private static JsonObject Review(string username, string operation = "DELETE") => new()
    {
        ["apiVersion"] = "admission.k8s.io/v1",
        ["kind"] = "AdmissionReview",
        ["request"] = new JsonObject
        {
            ["uid"] = "review-1",
            ["operation"] = operation,
            ["resource"] = new JsonObject { ["group"] = "", ["version"] = "v1", ["resource"] = "pods" },
            ["namespace"] = "default",
            ["name"] = "orphan",
            ["userInfo"] = new JsonObject { ["username"] = username },
        },
    };

    [Fact]
    public async Task Endpoint_AnswersOnlyTheRouteWithTheClustersToken_ReadsReviewsStrictly_AndLetsTheGarbageCollectorThrough()
    {
        var cluster = await fixture.GuardAsync();
        var other = await fixture.GuardAsync();
        await fixture.CreateBudgetAsync(Budget("webhook-direct", cluster.Name, new() { ["1m"] = 1 }));
        using var anonymous = await WebhookClientAsync(null);
        using var otherCluster = await WebhookClientAsync(other.Token);
        using var own = await WebhookClientAsync(cluster.Token);
        var path = AdmissionEndpoint.PathFor(cluster.Name);

        using var noToken = await anonymous.PostAsJsonAsync(path, Review("alice"));
        using var wrongCluster = await otherCluster.PostAsJsonAsync(path, Review("alice"));
        using var malformed = await own.PostAsync(path, new StringContent("""{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u"}}""", Encoding.UTF8, "application/json"));
        using var elsewhere = await own.GetAsync("/api/v1/defender/budgets");
        var collector = new List<JsonNode>();
        for (var i = 0; i < 3; i++)
        {
            using var answer = await own.PostAsJsonAsync(path, Review("system:serviceaccount:kube-system:generic-garbage-collector"));
            collector.Add(await answer.ExpectJsonAsync(HttpStatusCode.OK, "the garbage collector's delete"));
        }
        using var person = await own.PostAsJsonAsync(path, Review("alice"));
        using var portalPort = await fixture.Portal.AnonymousClient().PostAsJsonAsync(path, Review("alice"));

        Assert.Contains("Unauthorized: no bearer token", (await noToken.ExpectJsonAsync(HttpStatusCode.Unauthorized, "no token"))["message"]!.GetValue<string>());
        Assert.Contains("not this cluster's admission token", (await wrongCluster.ExpectJsonAsync(HttpStatusCode.Unauthorized, "another cluster's token"))["message"]!.GetValue<string>());
        Assert.Equal("request.operation: required.", (await malformed.ExpectJsonAsync(HttpStatusCode.BadRequest, "a review without operation"))["message"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.NotFound, elsewhere.StatusCode);
        Assert.All(collector, a => Assert.True(a["response"]!["allowed"]!.GetValue<bool>()));
        var decided = await person.ExpectJsonAsync(HttpStatusCode.OK, "a person's delete");
        Assert.Equal("review-1", decided["response"]!["uid"]!.GetValue<string>());
        Assert.True(decided["response"]!["allowed"]!.GetValue<bool>(), "the exempt collector spent nothing, so the budget's one token is still there");
        Assert.NotEqual(HttpStatusCode.OK, portalPort.StatusCode);
    }
}
