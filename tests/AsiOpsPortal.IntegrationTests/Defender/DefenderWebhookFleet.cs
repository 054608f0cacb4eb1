extern alias fleetsim;

using System.Net.Http.Json;
using System.Net;
using AsiOpsPortal.IntegrationTests.Infrastructure;
using AsiOpsPortal.Tests.Shared;
using AsiOpsPortal.Tests.Shared.Hosting;
using AsiOpsPortal.Web.Defender.Admission;
using fleetsim::AsiOpsPortal.FleetSim;
using Microsoft.Extensions.DependencyInjection;

namespace AsiOpsPortal.IntegrationTests.Defender;

/// <summary>
/// A portal with its admission webhook listening on a loopback port, a clock the tests move (so a 1m window refills without
/// waiting a minute), and a FleetSim whose clusters call that webhook as kube-apiserver would.
/// </summary>
public sealed class DefenderWebhookFleet : IAsyncLifetime
{
    public const string WebhookName = "defender.asiops.io";
    public const string DeniedBy = $"admission webhook \"{WebhookName}\" denied the request";

    public ManualClock Clock { get; } = new(DateTimeOffset.UtcNow);
    public FleetSimulator Fleet { get; private set; } = null!;
    public PortalFactory Portal { get; private set; } = null!;
    public DefenderWebhookListener Listener => Portal.Services.GetRequiredService<DefenderWebhookListener>();
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "defender-webhook-" + Guid.NewGuid().ToString("N")[..8]);
    private int _clusters;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        Fleet = await FleetSimulator.StartAsync(new FleetSimOptions { Port = 0, Fleet = "demo", ConvergenceDelay = TimeSpan.FromMilliseconds(200) });
        Portal = await PortalFactory.CreateAsync("integrationdefenderwebhook", new Dictionary<string, string> { ["Defender:WebhookListen"] = "https://127.0.0.1:0" },
            services: s => s.AddSingleton<TimeProvider>(Clock));
    }

    public async Task DisposeAsync()
    {
        if (Portal is not null) await Portal.DisposeAsync();
        if (Fleet is not null) await Fleet.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>A connected cluster: its name, kubectl for it, and the admission token its API server presents.</summary>
    public sealed record Guarded(string Name, Kubectl Kubectl, string Token);

    /// <summary>
    /// Connects a fresh FleetSim cluster as an SRE would: register it, issue its admission key (Admin), apply the webhook
    /// configuration with kubectl and give its API server the token.
    /// </summary>
    public async Task<Guarded> GuardAsync()
    {
        var cluster = Fleet.AddCluster($"guarded-{Interlocked.Increment(ref _clusters)}", "prod", "cn-hangzhou", "cn-hangzhou-a", 1, 4);
        await Portal.ApiClient("bob").RegisterAsync(Fleet, cluster);
        using var issued = await Portal.ApiClient("admin").PostAsync($"/api/v1/defender/clusters/{cluster.Name}/key", null);
        var key = await issued.ExpectJsonAsync(HttpStatusCode.OK, "issuing the cluster's admission key");
        var kubeconfig = Path.Combine(_directory, cluster.Name + ".yaml");
        await File.WriteAllTextAsync(kubeconfig, Fleet.Kubeconfig(cluster.Name));
        var kubectl = new Kubectl(kubeconfig);
        await kubectl.SucceedAsync("apply", "-f", Write(Configuration(key["webhookUrl"]!.GetValue<string>(), key["caBundle"]!.GetValue<string>())));
        var token = key["token"]!.GetValue<string>();
        await PresentTokenAsync(cluster.Name, token);
        return new Guarded(cluster.Name, kubectl, token);
    }

    /// <summary>What editing the API server's admission configuration does: it presents <paramref name="token"/> (none when null) to the webhook.</summary>
    public async Task PresentTokenAsync(string cluster, string? token)
    {
        using var admin = new HttpClient { BaseAddress = new Uri(Fleet.BaseUrl) };
        var credentials = token is null ? [] : new object[] { new { server = $"127.0.0.1:{Listener.Address!.Port}", token } };
        (await admin.PutAsJsonAsync($"/admin/clusters/{cluster}/webhook-credentials", credentials)).EnsureSuccessStatusCode();
    }

    /// <summary>Creates a budget as bob (SRE) and insists on 201.</summary>
    public async Task CreateBudgetAsync(object budget)
    {
        using var created = await Portal.ApiClient("bob").PostAsJsonAsync("/api/v1/defender/budgets", budget);
        await created.ExpectJsonAsync(HttpStatusCode.Created, "creating a budget");
    }

    public string Write(string manifest)
    {
        var path = Path.Combine(_directory, Guid.NewGuid().ToString("N") + ".yaml");
        File.WriteAllText(path, manifest);
        return path;
    }

    /// <summary>The webhook configuration docs/defender.md gives: destructive operations only, failing closed, dry runs free.</summary>
    public static string Configuration(string url, string caBundle) => $"""
        apiVersion: admissionregistration.k8s.io/v1
        kind: ValidatingWebhookConfiguration
        metadata:
          name: asiops-defender
        webhooks:
        - name: {WebhookName}
          admissionReviewVersions: [v1]
          sideEffects: NoneOnDryRun
          failurePolicy: Fail
          timeoutSeconds: 5
          clientConfig:
            url: {url}
            caBundle: {caBundle}
          rules:
          - operations: [DELETE]
            apiGroups: ["*"]
            apiVersions: ["*"]
            resources: ["*"]
          - operations: [CREATE]
            apiGroups: [""]
            apiVersions: [v1]
            resources: [pods/eviction]
          - operations: [UPDATE]
            apiGroups: [apps]
            apiVersions: [v1]
            resources: [deployments, statefulsets, replicasets, deployments/scale, statefulsets/scale, replicasets/scale]
        """;
}
