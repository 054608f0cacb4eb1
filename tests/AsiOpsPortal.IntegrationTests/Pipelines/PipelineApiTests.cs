using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using AsiOpsPortal.Core.Audit;
using AsiOpsPortal.IntegrationTests.Infrastructure;

namespace AsiOpsPortal.IntegrationTests.Pipelines;

/// <summary>/api/v1/pipelines as scripts use it, in JSON and YAML, against clusters registered from FleetSim.</summary>
public sealed class PipelineApiTests(PortalWithFleet world) : IClassFixture<PortalWithFleet>
{
    /// <summary>The clusters these tests plan over: all of FleetSim's cn-hangzhou clusters.</summary>
    private static readonly string[] Hangzhou =
        ["prod-hangzhou-01", "prod-hangzhou-02", "prod-hangzhou-03", "staging-hangzhou-01", "staging-hangzhou-02", "test-hangzhou-01", "test-hangzhou-02", "test-hangzhou-03"];

    private readonly HttpClient _bob = world.Portal.ApiClient("bob");

    private async Task RegisterHangzhouAsync()
    {
        foreach (var name in Hangzhou)
            if (await _bob.GetClusterAsync(name) is null) await _bob.RegisterAsync(world.Fleet, world.Cluster(name));
    }

    private static object Wave(string name, string[]? clusters = null, string? selector = null, int maxConcurrency = 1, string maxFailures = "0", bool canary = false) =>
        new { name, clusters = clusters ?? [], selector, maxConcurrency, minSuccessSeconds = 30, progressDeadlineSeconds = 300, maxFailures, canary };

    private static StringContent Yaml(string yaml, string mediaType = "application/yaml") => new(yaml, Encoding.UTF8, mediaType);

    private async Task<string> GetYamlAsync(string name)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/pipelines/{name}");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/yaml"));
        using var response = await _bob.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/yaml", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadAsStringAsync();
    }

    private static List<string> Strings(JsonNode? array) => array!.AsArray().Select(n => n!.GetValue<string>()).ToList();

    [Fact]
    public async Task PostPipelines_CreatesFromJson_AndGetGivesTheSameDocumentBack()
    {
        await RegisterHangzhouAsync();
        var body = new { name = "json-made", description = "Made by a script.", scope = "region=cn-hangzhou",
            waves = new[] { Wave("canary", ["test-hangzhou-02", "test-hangzhou-01"], canary: true), Wave("prod", selector: "environment=prod", maxConcurrency: 2, maxFailures: "10%") } };

        using var created = await _bob.PostAsJsonAsync("/api/v1/pipelines", body);

        var document = await created.ExpectJsonAsync(HttpStatusCode.Created, "creating from JSON");
        Assert.Equal("/api/v1/pipelines/json-made", created.Headers.Location?.OriginalString);
        Assert.NotNull(created.Headers.ETag);
        using var read = await _bob.GetAsync("/api/v1/pipelines/json-made");
        var again = await read.ExpectJsonAsync(HttpStatusCode.OK, "reading it back");
        Assert.Equal(document.ToJsonString(), again.ToJsonString());
        Assert.Equal(created.Headers.ETag, read.Headers.ETag);
        Assert.Equal(["test-hangzhou-02", "test-hangzhou-01"], Strings(again["waves"]![0]!["clusters"]));
        Assert.True(again["waves"]![0]!["canary"]!.GetValue<bool>());
        Assert.Equal("10%", again["waves"]![1]!["maxFailures"]!.GetValue<string>());
        Assert.Equal(2, again["waves"]![1]!["maxConcurrency"]!.GetValue<int>());

        var list = await (await _bob.GetAsync("/api/v1/pipelines")).ExpectJsonAsync(HttpStatusCode.OK, "listing");
        var row = list["items"]!.AsArray().Single(i => i!["name"]!.GetValue<string>() == "json-made")!;
        Assert.Equal(["canary", "prod"], Strings(row["waves"]));
        Assert.Equal("bob", row["updatedBy"]!.GetValue<string>());
        Assert.Equal(list["items"]!.AsArray().Count, list["total"]!.GetValue<int>());
    }

    [Theory]
    [InlineData("application/yaml")]
    [InlineData("application/x-yaml")]
    [InlineData("text/yaml")]
    public async Task PostPipelines_CreatesFromYaml_WhenSentAsYaml(string mediaType)
    {
        await RegisterHangzhouAsync();
        var name = "yaml-" + mediaType.Replace('/', '-');
        var yaml = $"""
            name: {name}
            description: From a YAML file.
            waves:
              - name: canary
                clusters:
                  - test-hangzhou-03
                canary: true
              - name: staging
                selector: environment=staging,region=cn-hangzhou
                maxConcurrency: 2
            """;

        using var created = await _bob.PostAsync("/api/v1/pipelines", Yaml(yaml, mediaType));

        var document = await created.ExpectJsonAsync(HttpStatusCode.Created, $"creating from {mediaType}");
        Assert.Equal(name, document["name"]!.GetValue<string>());
        Assert.Equal(["test-hangzhou-03"], Strings(document["waves"]![0]!["clusters"]));
        Assert.Equal("environment=staging,region=cn-hangzhou", document["waves"]![1]!["selector"]!.GetValue<string>());
        Assert.Equal(600, document["waves"]![1]!["progressDeadlineSeconds"]!.GetValue<int>());
    }

    [Fact]
    public async Task GetPipelineAsYaml_CanBePutBackUnchanged_WithoutAnAuditedEdit()
    {
        await RegisterHangzhouAsync();
        using (var created = await _bob.PostAsJsonAsync("/api/v1/pipelines", new { name = "round-trip", description = "Yes: it's \"quoted\"\nand two lines.",
                   scope = "environment in (test,prod)", waves = new[] { Wave("canary", ["test-hangzhou-01"]), Wave("123", selector: "tier=0") } }))
            await created.ExpectJsonAsync(HttpStatusCode.Created, "creating");
        var yaml = await GetYamlAsync("round-trip");
        Assert.Equal(yaml, await _bob.GetStringAsync("/api/v1/pipelines/round-trip?format=yaml"));

        using var put = await _bob.PutAsync("/api/v1/pipelines/round-trip", Yaml(yaml));

        await put.ExpectJsonAsync(HttpStatusCode.OK, "putting the YAML back");
        Assert.Equal(yaml, await GetYamlAsync("round-trip"));
        Assert.DoesNotContain(await _bob.AuditAsync(AuditActions.PipelineUpdated), e => e!["target"]!.GetValue<string>() == "pipeline/round-trip");
    }

    [Fact]
    public async Task PostPipelines_Returns400ListingEveryProblem_WhenThePipelineIsInvalid()
    {
        await RegisterHangzhouAsync();
        var body = new { name = "Bad Name", waves = new[] { Wave("canary", ["test-hangzhou-01", "no-such-cluster"]), Wave("test", selector: "environment=test", maxConcurrency: 0) } };

        using var response = await _bob.PostAsJsonAsync("/api/v1/pipelines", body);

        var problem = await response.ExpectJsonAsync(HttpStatusCode.BadRequest, "creating an invalid pipeline");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(
        [
            "Name must be 1-63 lowercase letters, digits or '-', starting and ending with a letter or digit.",
            "Wave 'test': maxConcurrency must be at least 1.",
            "Wave 'canary': no cluster named 'no-such-cluster' is registered.",
            "Cluster 'test-hangzhou-01' is in two waves: 'canary' (listed) and 'test' (by selector); a cluster may be in only one wave.",
        ], Strings(problem["errors"]));
        Assert.Contains("no-such-cluster", problem["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task PostPipelines_Returns400WithLineNumbers_WhenYamlIsMalformedOrHasUnknownKeys()
    {
        using var unknown = await _bob.PostAsync("/api/v1/pipelines", Yaml("name: typo\nwaves:\n  - name: canary\n    selectr: tier=0\n"));
        var problem = await unknown.ExpectJsonAsync(HttpStatusCode.BadRequest, "creating with an unknown key");
        Assert.Equal(["Line 4, column 5: waves[0].selectr is not a known key; did you mean 'selector'?"], Strings(problem["errors"]));

        using var malformed = await _bob.PostAsync("/api/v1/pipelines", Yaml("name: broken\nwaves:\n  - name: canary\n   clusters: [a]\n"));
        var syntax = await malformed.ExpectJsonAsync(HttpStatusCode.BadRequest, "creating from malformed YAML");
        Assert.StartsWith("Line 4, column 4: ", Assert.Single(Strings(syntax["errors"])));

        using var json = await _bob.PostAsync("/api/v1/pipelines", new StringContent("{\"name\": \"x\",\n \"wavez\": []}", Encoding.UTF8, "application/json"));
        var jsonProblem = await json.ExpectJsonAsync(HttpStatusCode.BadRequest, "creating from JSON with an unknown key");
        Assert.Equal(["Line 2, column 2: wavez is not a known key; did you mean 'waves'?"], Strings(jsonProblem["errors"]));
    }

    [Fact]
    public async Task PostPipelines_Returns415_WhenTheBodyIsNeitherJsonNorYaml()
    {
        using var response = await _bob.PostAsync("/api/v1/pipelines", new StringContent("name: x", Encoding.UTF8, "text/plain"));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Fact]
    public async Task PostPipelines_Returns409_WhenTheNameIsTaken()
    {
        await RegisterHangzhouAsync();
        var body = new { name = "taken", waves = new[] { Wave("all", selector: "region=cn-hangzhou") } };
        using (var first = await _bob.PostAsJsonAsync("/api/v1/pipelines", body))
            await first.ExpectJsonAsync(HttpStatusCode.Created, "creating");

        using var second = await _bob.PostAsJsonAsync("/api/v1/pipelines", body);

        var problem = await second.ExpectJsonAsync(HttpStatusCode.Conflict, "creating it again");
        Assert.Contains("already exists", problem["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task PutPipeline_Returns409AndKeepsTheFirstSave_WhenSomeoneSavedInBetween()
    {
        await RegisterHangzhouAsync();
        using (var created = await _bob.PostAsJsonAsync("/api/v1/pipelines", new { name = "contested", waves = new[] { Wave("canary", ["test-hangzhou-01"]) } }))
            await created.ExpectJsonAsync(HttpStatusCode.Created, "creating");
        using var read = await _bob.GetAsync("/api/v1/pipelines/contested");
        var loadedVersion = read.Headers.ETag!;
        var carol = world.Portal.ApiClient("carol");

        using var carolsSave = new HttpRequestMessage(HttpMethod.Put, "/api/v1/pipelines/contested")
            { Content = JsonContent.Create(new { name = "contested", waves = new[] { Wave("canary", ["test-hangzhou-02"]) } }) };
        carolsSave.Headers.IfMatch.Add(loadedVersion);
        using (var saved = await carol.SendAsync(carolsSave))
            await saved.ExpectJsonAsync(HttpStatusCode.OK, "carol saving first");
        using var bobsSave = new HttpRequestMessage(HttpMethod.Put, "/api/v1/pipelines/contested")
            { Content = JsonContent.Create(new { name = "contested", waves = new[] { Wave("canary", ["test-hangzhou-03"]) } }) };
        bobsSave.Headers.IfMatch.Add(loadedVersion);
        using var stale = await _bob.SendAsync(bobsSave);

        var problem = await stale.ExpectJsonAsync(HttpStatusCode.Conflict, "bob saving over carol");
        Assert.Contains("was saved by carol", problem["detail"]!.GetValue<string>());
        var kept = await (await _bob.GetAsync("/api/v1/pipelines/contested")).ExpectJsonAsync(HttpStatusCode.OK, "reading");
        Assert.Equal(["test-hangzhou-02"], Strings(kept["waves"]![0]!["clusters"]));
    }

    [Fact]
    public async Task PostPipelines_Returns403AndCreatesNothing_WhenCallerIsDeveloper()
    {
        await RegisterHangzhouAsync();
        var alice = world.Portal.ApiClient("alice");

        using var response = await alice.PostAsJsonAsync("/api/v1/pipelines", new { name = "by-alice", waves = new[] { Wave("all", selector: "tier") } });

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        using var read = await alice.GetAsync("/api/v1/pipelines/by-alice");
        Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
    }

    [Fact]
    public async Task GetPlan_ResolvesSelectorsAgainstTheRegisteredClusters_InOrder()
    {
        await RegisterHangzhouAsync();
        var body = new
        {
            name = "planned", scope = "region=cn-hangzhou",
            waves = new[]
            {
                Wave("canary", ["test-hangzhou-03", "test-hangzhou-01"], canary: true),
                Wave("staging", selector: "environment=staging", maxConcurrency: 2),
                Wave("prod", ["prod-hangzhou-01"], "environment=prod,tier=1", maxFailures: "1"),
            },
        };
        using (var created = await _bob.PostAsJsonAsync("/api/v1/pipelines", body))
            await created.ExpectJsonAsync(HttpStatusCode.Created, "creating");

        var plan = await (await world.Portal.ApiClient("dave").GetAsync("/api/v1/pipelines/planned/plan")).ExpectJsonAsync(HttpStatusCode.OK, "planning");

        var waves = plan["waves"]!.AsArray();
        Assert.Equal(["canary", "staging", "prod"], waves.Select(w => w!["name"]!.GetValue<string>()));
        Assert.Equal(["test-hangzhou-03", "test-hangzhou-01"], Strings(waves[0]!["clusters"]));
        Assert.Equal(["staging-hangzhou-01", "staging-hangzhou-02"], Strings(waves[1]!["clusters"]));
        Assert.Equal(["prod-hangzhou-01", "prod-hangzhou-02", "prod-hangzhou-03"], Strings(waves[2]!["clusters"]));
        Assert.Equal((2, "0", false), (waves[1]!["maxConcurrency"]!.GetValue<int>(), waves[1]!["maxFailures"]!.GetValue<string>(), waves[1]!["canary"]!.GetValue<bool>()));
        Assert.True(waves[0]!["canary"]!.GetValue<bool>());
        Assert.Equal(["test-hangzhou-02"], Strings(plan["unplanned"]));
    }

    [Fact]
    public async Task GetPlan_Returns400NamingTheProblem_WhenAListedClusterWasRemoved()
    {
        await RegisterHangzhouAsync();
        var sim = world.Cluster("test-beijing-02");
        await _bob.RegisterAsync(world.Fleet, sim);
        using (var created = await _bob.PostAsJsonAsync("/api/v1/pipelines", new { name = "orphaned", waves = new[] { Wave("canary", [sim.Name]) } }))
            await created.ExpectJsonAsync(HttpStatusCode.Created, "creating");
        using (var removed = await _bob.DeleteAsync($"/api/v1/clusters/{sim.Name}"))
            Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);

        using var response = await _bob.GetAsync("/api/v1/pipelines/orphaned/plan");

        var problem = await response.ExpectJsonAsync(HttpStatusCode.BadRequest, "planning without the cluster");
        Assert.Equal(["Wave 'canary': no cluster named 'test-beijing-02' is registered."], Strings(problem["errors"]));
    }

    [Fact]
    public async Task PipelineChanges_EachLeaveAnAuditEventSayingWhatChanged()
    {
        await RegisterHangzhouAsync();
        using (var created = await _bob.PostAsJsonAsync("/api/v1/pipelines", new { name = "audited", scope = "tier", waves = new[] { Wave("canary", ["test-hangzhou-01"]) } }))
            await created.ExpectJsonAsync(HttpStatusCode.Created, "creating");
        using (var updated = await _bob.PutAsJsonAsync("/api/v1/pipelines/audited",
                   new { name = "audited", scope = "tier", waves = new[] { Wave("canary", ["test-hangzhou-01", "test-hangzhou-02"], maxConcurrency: 2) } }))
            await updated.ExpectJsonAsync(HttpStatusCode.OK, "updating");
        using (var deleted = await _bob.DeleteAsync("/api/v1/pipelines/audited"))
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);

        async Task<string> DetailsAsync(string action) =>
            Assert.Single(await _bob.AuditAsync(action, "bob"), e => e!["target"]!.GetValue<string>() == "pipeline/audited")!["details"]!.GetValue<string>();
        Assert.Equal("scope 'tier'; waves: canary (1 cluster)", await DetailsAsync(AuditActions.PipelineCreated));
        Assert.Equal("wave 'canary': clusters +test-hangzhou-02, maxConcurrency 1 → 2", await DetailsAsync(AuditActions.PipelineUpdated));
        Assert.Equal("scope 'tier'; waves: canary (2 clusters)", await DetailsAsync(AuditActions.PipelineDeleted));
        using var gone = await _bob.GetAsync("/api/v1/pipelines/audited");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }
}
