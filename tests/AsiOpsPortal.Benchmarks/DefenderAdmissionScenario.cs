using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using AsiOpsPortal.Core.Accounts;
using AsiOpsPortal.Core.Clusters;
using AsiOpsPortal.Core.Defender;
using AsiOpsPortal.Tests.Shared;
using AsiOpsPortal.Tests.Shared.Hosting;
using AsiOpsPortal.Web.Accounts;
using AsiOpsPortal.Web.Defender;
using AsiOpsPortal.Web.Defender.Admission;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace AsiOpsPortal.Benchmarks;

/// <summary>
/// The defender's admission webhook over HTTPS on loopback (its own listener, certificate and cluster tokens, as clusters
/// call it) at a steady 500 reviews per second against 20 budgets, some of which run dry and refuse. Every tenth review
/// goes to a baseline route on the same listener, registered here only, that authenticates and reads the review as the
/// real one does and then allows without deciding: the ratio is what deciding costs. Latency counts from when each review
/// was due, so a backlog shows. Afterwards every budget's windows are recounted from the stored decisions: no window may
/// ever have admitted more than its limit.
/// </summary>
public sealed class DefenderAdmissionScenario : IScenario
{
    public string Name => "defender-admission";
    public string Description => "admission reviews over the HTTPS webhook at 500 req/s for 30 s with 20 budgets: p50/p99, over-admitted, vs a route that allows without deciding";

    private sealed record Size(int PerSecond, TimeSpan Duration);

    private sealed record BenchCluster(string Name, string Environment, Dictionary<string, string> Labels, string Token);

    private const string BaselineRoute = "/baseline/{cluster}";
    private static readonly string[] Namespaces = ["web", "api", "jobs", "cache", "search", "ads", "pay", "maps", "infra", "batch"];
    private static readonly string[] Resources = ["pods", "deployments", "configmaps"];
    private static readonly Actor Sre = new("bench", Roles.Sre);

    public async Task RunAsync(Scale scale, Figures figures)
    {
        var size = scale == Scale.Full ? new Size(500, TimeSpan.FromSeconds(30)) : new Size(50, TimeSpan.FromSeconds(1));
        await using var db = await TestPostgres.CreateAsync("bench defender admission");
        await using var portal = new DefenderHost(db, "bench");
        var budgets = Budgets();
        foreach (var budget in budgets) await portal.Service.CreateAsync(budget, Sre);
        var parsed = budgets.Select(DefenderService.Parse).ToList();
        var clusters = await RegisterClustersAsync(db, portal);

        await using var listener = await DefenderWebhookListener.BuildAsync(portal.Services, new Uri("https://127.0.0.1:0"), routes =>
        {
            routes.MapAdmission();
            routes.MapPost(BaselineRoute, async (HttpRequest http) =>
                {
                    using var reader = new StreamReader(http.Body);
                    var (review, problem) = AdmissionReviews.Read(await reader.ReadToEndAsync());
                    return review is null ? Results.BadRequest(problem) : Results.Ok(AdmissionReviews.Allow(review.Uid));
                })
                .RequireAuthorization(ClusterTokenAuthentication.Policy);
        });
        await listener.StartAsync();
        // Apart, so the baseline measures the listener alone and never waits for a connection behind decisions.
        using var http = await ClientAsync(portal, listener);
        using var baselineHttp = await ClientAsync(portal, listener);

        var total = (int)(size.PerSecond * size.Duration.TotalSeconds);
        var requests = Enumerable.Range(0, total).Select(i => Request(i, clusters)).ToList();
        foreach (var client in new[] { http, baselineHttp })
            await SendAsync(client, requests[0].Cluster, requests[0].Review, BaselineRoute.Replace("{cluster}", requests[0].Cluster.Name)); // TLS, JIT

        Figures.Note($"{Name}: {total:N0} reviews at {size.PerSecond}/s against {budgets.Count} budgets over HTTPS");
        var budgeted = new ConcurrentBag<double>();
        var baseline = new ConcurrentBag<double>();
        var refused = 0;
        var failed = 0;
        var inFlight = new List<Task>(total);
        var clock = Stopwatch.StartNew();
        var interval = TimeSpan.FromSeconds(1.0 / size.PerSecond);
        for (var i = 0; i < total; i++)
        {
            var due = interval * i;
            if (due > clock.Elapsed) await Task.Delay(due - clock.Elapsed);
            var (cluster, review, isBaseline) = requests[i];
            inFlight.Add(Task.Run(async () =>
            {
                var path = isBaseline ? BaselineRoute.Replace("{cluster}", cluster.Name) : AdmissionEndpoint.PathFor(cluster.Name);
                var allowed = await SendAsync(isBaseline ? baselineHttp : http, cluster, review, path);
                // From when the review was due, not when it was sent: a backlog shows in the figures.
                (isBaseline ? baseline : budgeted).Add((clock.Elapsed - due).TotalMilliseconds);
                if (allowed is null) Interlocked.Increment(ref failed);
                else if (allowed == false) Interlocked.Increment(ref refused);
            }));
        }
        await Task.WhenAll(inFlight);
        var elapsed = clock.Elapsed;

        var decided = requests.Where(r => !r.Baseline).Select(r => ToRequest(r.Cluster, r.Review)).ToList();
        var overAdmitted = await OverAdmittedAsync(db, parsed, decided);
        figures.Add("rate", total / elapsed.TotalSeconds, "req/s", $">= {size.PerSecond * 0.95:0}");
        figures.Add("p50", Percentile(budgeted, 50), "ms");
        figures.Add("p99", Percentile(budgeted, 99), "ms", "<= 5");
        figures.Add("baseline_p50", Percentile(baseline, 50), "ms");
        figures.Add("baseline_p99", Percentile(baseline, 99), "ms");
        figures.Add("p99_over_baseline", Percentile(budgeted, 99) / Percentile(baseline, 99), "ratio");
        figures.Add("refused", 100.0 * refused / decided.Count, "%");
        figures.Add("over_admitted", overAdmitted, "requests", "0");
        // An answer that never came is, under failurePolicy Fail, a refused request.
        figures.Add("failed", failed, "requests", "0");
        if (overAdmitted > 0) throw new InvalidOperationException($"{overAdmitted} requests were admitted beyond a budget's limit.");
    }

    /// <summary>Ten prod and ten staging clusters, registered as the portal would hold them, each with its admission token.</summary>
    private static async Task<List<BenchCluster>> RegisterClustersAsync(TestPostgres db, DefenderHost portal)
    {
        var clusters = new List<BenchCluster>();
        await using (var context = db.CreateContext())
        {
            foreach (var environment in new[] { "prod", "staging" })
                for (var n = 0; n < 10; n++)
                    context.Clusters.Add(new Cluster
                    {
                        Name = $"{environment}-{n}", ApiEndpoint = $"https://{environment}-{n}.invalid", Environment = environment, Region = "bench",
                        Labels = new() { ["pool"] = $"p{n % 4}" }, EncryptedKubeconfig = "-", KubeconfigContext = "-",
                    });
            await context.SaveChangesAsync();
            foreach (var cluster in await context.Clusters.AsNoTracking().OrderBy(c => c.Name).ToListAsync())
            {
                var token = await portal.Services.GetRequiredService<DefenderClusterKeys>().IssueAsync(cluster.Name, Sre)
                    ?? throw new InvalidOperationException($"no key for {cluster.Name}");
                clusters.Add(new BenchCluster(cluster.Name, cluster.Environment, cluster.Labels, token));
            }
        }
        return clusters;
    }

    /// <summary>
    /// A client that trusts the listener's certificate alone, as an API server with its caBundle does, over a bounded pool of
    /// HTTP/1.1 connections like FleetSim's (reviews beyond them wait for one, and the wait counts in their latency).
    /// </summary>
    private static async Task<HttpClient> ClientAsync(DefenderHost portal, WebApplication listener)
    {
        var trusted = (await portal.Services.GetRequiredService<DefenderCertificates>().GetAsync()).RawData;
        var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 64 };
        handler.SslOptions.RemoteCertificateValidationCallback = (_, presented, _, _) => presented?.GetRawCertData().AsSpan().SequenceEqual(trusted) == true;
        var address = listener.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new HttpClient(handler)
        {
            // An API server gives up on a webhook after its timeoutSeconds (10 by default).
            BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(10),
        };
    }

    /// <summary>Whether the review was allowed; null when no AdmissionReview came back in time (504, a dropped connection, 10 s).</summary>
    private static async Task<bool?> SendAsync(HttpClient http, BenchCluster cluster, string review, string path)
    {
        using var post = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(review, Encoding.UTF8, "application/json") };
        post.Headers.Authorization = new AuthenticationHeaderValue("Bearer", cluster.Token);
        try
        {
            using var response = await http.SendAsync(post);
            if (response.StatusCode == HttpStatusCode.GatewayTimeout) return null;
            response.EnsureSuccessStatusCode();
            return JsonNode.Parse(await response.Content.ReadAsStringAsync())!["response"]!["allowed"]!.GetValue<bool>();
        }
        catch (Exception e) when (e is HttpRequestException { StatusCode: null } or TaskCanceledException)
        {
            return null;
        }
    }

    private static (BenchCluster Cluster, string Review, bool Baseline) Request(int i, List<BenchCluster> clusters)
    {
        var random = new Random(i);
        var environment = random.Next(3) == 0 ? "staging" : "prod";
        var name = $"{environment}-{random.Next(10)}";
        var cluster = clusters.Single(c => c.Name == name);
        var review = new JsonObject
        {
            ["apiVersion"] = AdmissionReviews.ApiVersion,
            ["kind"] = AdmissionReviews.Kind,
            ["request"] = new JsonObject
            {
                ["uid"] = $"uid-{i}",
                ["operation"] = random.Next(4) == 0 ? "CREATE" : "DELETE",
                ["resource"] = new JsonObject { ["group"] = "", ["version"] = "v1", ["resource"] = Resources[random.Next(Resources.Length)] },
                ["namespace"] = Namespaces[random.Next(Namespaces.Length)],
                ["name"] = $"obj-{i}",
                ["userInfo"] = new JsonObject
                {
                    ["username"] = $"user-{random.Next(20)}",
                    ["extra"] = new JsonObject { [AdmissionReviews.UserAgentExtra] = new JsonArray("kubectl/v1.32.0") },
                },
            },
        };
        // A CREATE is an eviction only for pods; make it one, so a quarter of the pod reviews are evictions.
        if (review["request"]!["operation"]!.GetValue<string>() == "CREATE")
        {
            review["request"]!["resource"]!["resource"] = "pods";
            review["request"]!["subResource"] = "eviction";
        }
        return (cluster, review.ToJsonString(), i % 10 == 9);
    }

    private static AdmissionRequest ToRequest(BenchCluster cluster, string review)
    {
        var read = AdmissionReviews.Read(review).Review!;
        return read.ToRequest(read.Operation!, cluster.Name, cluster.Environment, cluster.Labels);
    }

    /// <summary>Twenty budgets as a fleet might hold them: wide ones that seldom run dry, narrow ones that do, two in shadow mode.</summary>
    private static List<BudgetRequest> Budgets()
    {
        var list = new List<BudgetRequest>
        {
            new("fleet-pods", new(null, null, null, null), ["pods"], ["delete", "eviction"], new() { ["1m"] = 2_000, ["24h"] = 20_000 }, null, "enforce"),
            new("prod-deployments", new(["prod"], null, null, null), ["deployments"], ["delete"], new() { ["1m"] = 1_500, ["1h"] = 5_000 }, null, "enforce"),
            new("staging-all", new(["staging"], null, null, null), ["pods", "deployments", "configmaps"], ["delete"], new() { ["5m"] = 2_000 }, null, "shadow"),
            new("pool-0-evictions", new(null, null, new() { ["pool"] = "p0" }, null), ["pods"], ["eviction"], new() { ["1m"] = 300 }, null, "enforce"),
        };
        for (var n = 0; n < Namespaces.Length; n++)
            list.Add(new($"ns-{Namespaces[n]}", new(["prod"], null, null, [Namespaces[n]]), ["pods", "configmaps"], ["delete"],
                new() { ["1m"] = 150 + 60 * n, ["5m"] = 800 }, null, n == 9 ? "shadow" : "enforce"));
        for (var c = 0; c < 6; c++)
            list.Add(new($"cluster-prod-{c}", new(null, [$"prod-{c}"], null, null), ["pods", "deployments"], ["delete", "eviction"],
                new() { ["1m"] = 400 + 150 * c }, null, "enforce"));
        return list;
    }

    /// <summary>Allowed decisions that, at their moment, made some enforced budget's window hold more than its limit.</summary>
    private static async Task<int> OverAdmittedAsync(TestPostgres db, List<DefenderBudget> budgets, List<AdmissionRequest> requests)
    {
        await using var context = db.CreateContext();
        var allowed = await context.DefenderDecisions.Where(d => d.Allowed).Select(d => new { d.Name, d.At }).ToListAsync();
        var byName = requests.ToDictionary(r => r.Name);
        var over = 0;
        foreach (var budget in budgets.Where(b => b.Mode == BudgetMode.Enforce))
        {
            var times = allowed.Where(d => byName.TryGetValue(d.Name, out var r) && DefenderRules.Covers(budget, r)).Select(d => d.At).Order().ToList();
            foreach (var (window, limit) in budget.Limits)
            {
                var length = BudgetWindows.Known[window];
                for (int first = 0, last = 0; last < times.Count; last++)
                {
                    while (times[first] <= times[last] - length) first++;
                    if (last - first + 1 > limit) over++;
                }
            }
        }
        return over;
    }

    private static double Percentile(IEnumerable<double> samples, double p)
    {
        var sorted = samples.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];
    }
}
