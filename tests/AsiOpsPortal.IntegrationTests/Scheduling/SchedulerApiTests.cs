using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using AsiOpsPortal.Core.Audit;
using AsiOpsPortal.IntegrationTests.Infrastructure;

namespace AsiOpsPortal.IntegrationTests.Scheduling;

/// <summary>/api/v1/scheduler as scripts use it, in JSON and YAML, previewing over clusters registered from FleetSim and synced.</summary>
public sealed class SchedulerApiTests(PortalWithFleet world) : IClassFixture<PortalWithFleet>
{
    /// <summary>FleetSim's cn-hangzhou clusters, and one elsewhere for the region filter to leave out.</summary>
    private static readonly string[] Hangzhou =
        ["prod-hangzhou-01", "prod-hangzhou-02", "prod-hangzhou-03", "staging-hangzhou-01", "staging-hangzhou-02", "test-hangzhou-01", "test-hangzhou-02", "test-hangzhou-03"];
    private const string Elsewhere = "staging-shanghai-01";

    private readonly HttpClient _bob = world.Portal.ApiClient("bob");

    private async Task RegisterAndSyncAsync()
    {
        foreach (var name in Hangzhou.Append(Elsewhere))
        {
            if (await _bob.GetClusterAsync(name) is null) await _bob.RegisterAsync(world.Fleet, world.Cluster(name));
            await _bob.WaitForSyncAsync(name);
        }
    }

    private static object Policy(string name, int canarySize = 1, string[]? regions = null) => new
    {
        name,
        description = "Made by a script.",
        filters = new { regions = regions ?? ["cn-hangzhou"] },
        weights = new Dictionary<string, int> { ["tier"] = 3, ["size"] = 1, ["health"] = 2 },
        shaping = new { canarySize, firstWaveSize = 1, growthFactor = 2, maxWaveSize = 4, maxRegionPercent = 100, waves = new { maxConcurrency = 2, maxFailures = "10%" } },
    };

    private static List<string> Names(JsonNode? array, string key = "name") => array!.AsArray().Select(n => n![key]!.GetValue<string>()).ToList();

    [Fact]
    public async Task PostPolicies_CreatesFromJson_AndYamlReadsBackTheSamePolicy()
    {
        using var created = await _bob.PostAsJsonAsync("/api/v1/scheduler/policies", Policy("json-made"));
        var document = await created.ExpectJsonAsync(HttpStatusCode.Created, "creating from JSON");
        Assert.Equal("/api/v1/scheduler/policies/json-made", created.Headers.Location?.OriginalString);
        Assert.NotNull(created.Headers.ETag);
        Assert.Equal(3, document["weights"]!["tier"]!.GetValue<int>());
        Assert.Equal("10%", document["shaping"]!["waves"]!["maxFailures"]!.GetValue<string>());

        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/scheduler/policies/json-made");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/yaml"));
        using var yamlResponse = await _bob.SendAsync(request);
        Assert.Equal("application/yaml", yamlResponse.Content.Headers.ContentType?.MediaType);
        var yaml = await yamlResponse.Content.ReadAsStringAsync();
        Assert.Contains("maxWaveSize: 4", yaml);

        // The exported YAML, renamed, creates an identical policy.
        using var fromYaml = await _bob.PostAsync("/api/v1/scheduler/policies",
            new StringContent(yaml.Replace("name: json-made", "name: yaml-made"), Encoding.UTF8, "application/yaml"));
        var copy = await fromYaml.ExpectJsonAsync(HttpStatusCode.Created, "creating from the exported YAML");
        copy["name"] = "json-made";
        Assert.Equal(document.ToJsonString(), copy.ToJsonString());

        var list = await (await _bob.GetAsync("/api/v1/scheduler/policies")).ExpectJsonAsync(HttpStatusCode.OK, "listing");
        Assert.Contains("yaml-made", Names(list["items"]));
    }

    [Fact]
    public async Task PutPolicy_RefusesAStaleIfMatch_AndExplainsBadSettings()
    {
        using var created = await _bob.PostAsJsonAsync("/api/v1/scheduler/policies", Policy("contested"));
        await created.ExpectJsonAsync(HttpStatusCode.Created, "creating");
        var loaded = created.Headers.ETag!;

        using var carols = new HttpRequestMessage(HttpMethod.Put, "/api/v1/scheduler/policies/contested") { Content = JsonContent.Create(Policy("contested", canarySize: 2)) };
        carols.Headers.IfMatch.Add(loaded);
        using var carolSaved = await world.Portal.ApiClient("carol").SendAsync(carols);
        await carolSaved.ExpectJsonAsync(HttpStatusCode.OK, "carol's save");

        using var bobs = new HttpRequestMessage(HttpMethod.Put, "/api/v1/scheduler/policies/contested") { Content = JsonContent.Create(Policy("contested", canarySize: 3)) };
        bobs.Headers.IfMatch.Add(loaded);
        using var stale = await _bob.SendAsync(bobs);
        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);

        using var bad = await _bob.PutAsync("/api/v1/scheduler/policies/contested",
            new StringContent("name: contested\nweights: {luck: 2}\nshaping:\n  growthFactor: 0\n", Encoding.UTF8, "application/yaml"));
        var problem = await bad.ExpectJsonAsync(HttpStatusCode.BadRequest, "bad settings");
        var errors = problem["errors"]!.AsArray().Select(e => e!.GetValue<string>()).ToList();
        Assert.Contains("No scoring plugin is named 'luck'; the plugins are tier, size, health, failures, freshness.", errors);
        Assert.Contains("growthFactor must be from 1 (waves stay the same size) to 10.", errors);

        using var typo = await _bob.PutAsync("/api/v1/scheduler/policies/contested", new StringContent("name: contested\nshaping:\n  canarySise: 1\n", Encoding.UTF8, "application/yaml"));
        Assert.Equal(["Line 3, column 3: shaping.canarySise is not a known key; did you mean 'canarySize'?"],
            (await typo.ExpectJsonAsync(HttpStatusCode.BadRequest, "a typo"))["errors"]!.AsArray().Select(e => e!.GetValue<string>()));
    }

    [Fact]
    public async Task Preview_PlansTheRegisteredClusters_WithScoresPerPlugin_AndExcludedWithReasons()
    {
        await RegisterAndSyncAsync();

        using var response = await _bob.PostAsJsonAsync("/api/v1/scheduler/preview", Policy("inline-only"));

        var plan = await response.ExpectJsonAsync(HttpStatusCode.OK, "previewing inline");
        var waves = plan["waves"]!.AsArray();
        Assert.Equal("canary", waves[0]!["name"]!.GetValue<string>());
        var planned = waves.SelectMany(w => Names(w!["clusters"])).ToList();
        Assert.Equal(Hangzhou.Order(), planned.Order());
        var first = waves[0]!["clusters"]![0]!;
        Assert.StartsWith("test-", first["name"]!.GetValue<string>());
        Assert.Equal(["tier", "size", "health", "failures", "freshness"], first["scores"]!.AsObject().Select(p => p.Key));
        Assert.InRange(first["total"]!.GetValue<double>(), 0, 100);
        var excluded = plan["excluded"]!.AsArray().Single(e => e!["name"]!.GetValue<string>() == Elsewhere)!;
        Assert.Equal("region 'cn-shanghai' is not among the policy's regions (cn-hangzhou)", excluded["reason"]!.GetValue<string>());
        var environments = waves.Select(w => w!["environment"]!.GetValue<string>()).Distinct();
        Assert.Equal(["test", "staging", "prod"], environments);
    }

    [Fact]
    public async Task PreviewByName_ShowsWhatChangedSinceThePreviousPreview()
    {
        await RegisterAndSyncAsync();
        using (var created = await _bob.PostAsJsonAsync("/api/v1/scheduler/policies", Policy("replanned")))
            await created.ExpectJsonAsync(HttpStatusCode.Created, "creating");

        var first = await (await _bob.PostAsJsonAsync("/api/v1/scheduler/preview", new { policy = "replanned" })).ExpectJsonAsync(HttpStatusCode.OK, "first preview");
        Assert.Null(first["diff"]);

        using (var widened = await _bob.PutAsJsonAsync("/api/v1/scheduler/policies/replanned", Policy("replanned", regions: ["cn-hangzhou", "cn-shanghai"])))
            await widened.ExpectJsonAsync(HttpStatusCode.OK, "widening the regions");
        var second = await (await _bob.PostAsync("/api/v1/scheduler/preview", new StringContent("policy: replanned", Encoding.UTF8, "application/yaml")))
            .ExpectJsonAsync(HttpStatusCode.OK, "second preview");

        Assert.Equal([Elsewhere], second["diff"]!["added"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Empty(second["diff"]!["removed"]!.AsArray());

        using var unknown = await _bob.PostAsJsonAsync("/api/v1/scheduler/preview", new { policy = "no-such-policy" });
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task PolicyChanges_EachLeaveAnAuditEventSayingWhatChanged()
    {
        using (var created = await _bob.PostAsJsonAsync("/api/v1/scheduler/policies", Policy("audited")))
            await created.ExpectJsonAsync(HttpStatusCode.Created, "creating");
        using (var updated = await _bob.PutAsJsonAsync("/api/v1/scheduler/policies/audited", Policy("audited", canarySize: 2)))
            await updated.ExpectJsonAsync(HttpStatusCode.OK, "updating");
        using (var deleted = await _bob.DeleteAsync("/api/v1/scheduler/policies/audited"))
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);

        async Task<string> DetailsAsync(string action) =>
            Assert.Single(await _bob.AuditAsync(action, "bob"), e => e!["target"]!.GetValue<string>() == "scheduler-policy/audited")!["details"]!.GetValue<string>();
        Assert.StartsWith("weights tier=3, size=1, health=2; environments test → staging → prod; canary 1", await DetailsAsync(AuditActions.SchedulerPolicyCreated));
        Assert.Equal("shaping.canarySize 1 → 2", await DetailsAsync(AuditActions.SchedulerPolicyUpdated));
        Assert.Contains("canary 2", await DetailsAsync(AuditActions.SchedulerPolicyDeleted));
    }
}
