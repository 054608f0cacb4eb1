using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AsiOpsPortal.Core.Audit;
using AsiOpsPortal.Core.Catalog;
using AsiOpsPortal.IntegrationTests.Infrastructure;
using AsiOpsPortal.Tests.Shared;
using Microsoft.EntityFrameworkCore;

namespace AsiOpsPortal.IntegrationTests.Catalog;

/// <summary>The component catalog through /api/v1 as release scripts use it: components, versions, diffs and who runs what.</summary>
public sealed class CatalogApiTests(PortalWithFleet world) : IClassFixture<PortalWithFleet>
{
    private readonly HttpClient _alice = world.Portal.ApiClient("alice");
    private readonly HttpClient _carol = world.Portal.ApiClient("carol");

    private async Task<JsonNode> GetJsonAsync(HttpClient client, string path) =>
        await (await client.GetAsync(path)).ExpectJsonAsync(HttpStatusCode.OK, $"GET {path}");

    private static IReadOnlyList<string> Strings(JsonNode? array, string property) =>
        array!.AsArray().Select(n => n![property]!.GetValue<string>()).ToList();

    private async Task<IReadOnlyList<JsonNode>> EventsAsync(string action, string target) =>
        (await _carol.AuditAsync(action)).Where(e => e!["target"]!.GetValue<string>() == target).Select(e => e!).ToList();

    [Fact]
    public async Task Components_ServeTheComponentItsVersionsAndTheirDiff_WhenADeveloperReleasesTwoVersions()
    {
        using (var created = await _alice.CreateComponentAsync("web-frontend", "web", "The storefront."))
        {
            var component = await created.ExpectJsonAsync(HttpStatusCode.Created, "creating web-frontend");
            Assert.Equal(("web-frontend", "web", "alice"), (component["name"]!.GetValue<string>(), component["namespace"]!.GetValue<string>(), component["owner"]!.GetValue<string>()));
            Assert.Equal("/api/v1/components/web-frontend", created.Headers.Location!.OriginalString);
        }
        using (var first = await _alice.AddVersionAsync("web-frontend", "1.26.2", SampleManifests.Web("nginx:1.26.2"), "First release."))
        {
            var version = await first.ExpectJsonAsync(HttpStatusCode.Created, "adding 1.26.2");
            Assert.Matches("^[0-9a-f]{64}$", version["digest"]!.GetValue<string>());
            Assert.Equal(["Namespace", "ConfigMap", "Deployment"], Strings(version["objects"], "kind"));
            Assert.Equal("nginx:1.26.2", Assert.Single(version["images"]!.AsArray())!.GetValue<string>());
            Assert.Equal("/api/v1/components/web-frontend/versions/1.26.2", first.Headers.Location!.OriginalString);
        }
        using (var second = await _alice.AddVersionAsync("web-frontend", "1.27.3", SampleManifests.Web("nginx:1.27.3")))
            await second.ExpectJsonAsync(HttpStatusCode.Created, "adding 1.27.3");

        var details = await GetJsonAsync(_alice, "/api/v1/components/web-frontend");
        Assert.Equal("1.27.3", details["latestVersion"]!.GetValue<string>());
        Assert.Equal(["1.27.3", "1.26.2"], Strings(details["versions"], "version"));
        Assert.Equal("First release.", details["versions"]![1]!["releaseNotes"]!.GetValue<string>());

        var stored = await GetJsonAsync(_alice, "/api/v1/components/web-frontend/versions/1.26.2");
        Assert.Equal(SampleManifests.Web("nginx:1.26.2"), stored["manifests"]!.GetValue<string>());
        Assert.Equal("alice", stored["createdBy"]!.GetValue<string>());

        var diff = await GetJsonAsync(_alice, "/api/v1/components/web-frontend/diff?from=1.26.2&to=1.27.3");
        Assert.Equal(("1.26.2", "1.27.3"), (diff["from"]!.GetValue<string>(), diff["to"]!.GetValue<string>()));
        Assert.Equal("+1 \u22121 across Deployment web", diff["diff"]!["summary"]!.GetValue<string>());
        var changed = diff["diff"]!["hunks"]![0]!["lines"]!.AsArray().Where(l => l!["kind"]!.GetValue<string>() != "Unchanged")
            .Select(l => (l!["kind"]!.GetValue<string>(), l["text"]!.GetValue<string>().Trim())).ToList();
        Assert.Equal([("Removed", "image: nginx:1.26.2"), ("Added", "image: nginx:1.27.3")], changed);

        var latest = await GetJsonAsync(_alice, "/api/v1/components/web-frontend/diff");
        Assert.Equal(("1.26.2", "1.27.3"), (latest["from"]!.GetValue<string>(), latest["to"]!.GetValue<string>()));

        var list = await GetJsonAsync(world.Portal.ApiClient("dave"), "/api/v1/components?search=storefront");
        Assert.Equal(1, list["total"]!.GetValue<int>());
        Assert.Equal("1.27.3", list["items"]![0]!["latestVersion"]!.GetValue<string>());

        var createdEvent = Assert.Single(await EventsAsync(AuditActions.ComponentCreated, "component/web-frontend"));
        Assert.Equal("alice", createdEvent["actor"]!.GetValue<string>());
        var versionEvents = await EventsAsync(AuditActions.ComponentVersionAdded, "component/web-frontend");
        Assert.Equal(2, versionEvents.Count);
        Assert.Contains(versionEvents, e => e["details"]!.GetValue<string>().Contains("version=1.27.3") && e["details"]!.GetValue<string>().Contains("images=nginx:1.27.3"));
    }

    public static TheoryData<string, string, string[]> BadVersions => new()
    {
        { "1.0.0", SampleManifests.SecondDocumentWithoutName, [SampleManifests.SecondDocumentProblemPrefix, "metadata.name"] },
        { "1.0.0", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  labels: [unclosed\n", ["Document 1 (line "] },
        { "1.0.0", SampleManifests.Web() + "\n---\n" + SampleManifests.Web().Split("---\n")[1], ["Document 4 (line ", "is defined twice; document 2"] },
        { "1.0.0", "   \n", ["Manifests are required"] },
        { "1.0.0", "# only a comment\n", ["The manifests contain no Kubernetes objects."] },
        { "-1.0", SampleManifests.Web(), ["Version '-1.0' must be 1-128 letters, digits, '.', '_', '+' or '-', starting with a letter or digit."] },
        { "1.0.0", SampleManifests.Web() + "\n# " + new string('x', Manifests.MaxBytes), ["a version may hold at most 1024 KiB"] },
    };

    [Theory]
    [MemberData(nameof(BadVersions))]
    public async Task PostVersions_Returns400SayingWhatIsWrongAndStoresNothing_WhenTheUploadIsInvalid(string version, string manifests, string[] detailMentions)
    {
        var component = $"bad-{Guid.NewGuid():N}"[..20];
        using (var created = await _alice.CreateComponentAsync(component, "web"))
            await created.ExpectJsonAsync(HttpStatusCode.Created, "creating the component");

        using var response = await _alice.AddVersionAsync(component, version, manifests);

        var problem = await response.ExpectJsonAsync(HttpStatusCode.BadRequest, "adding a bad version");
        var detail = problem["detail"]!.GetValue<string>();
        Assert.All(detailMentions, mention => Assert.Contains(mention, detail));
        Assert.Empty((await GetJsonAsync(_alice, $"/api/v1/components/{component}"))["versions"]!.AsArray());
        Assert.Empty(await EventsAsync(AuditActions.ComponentVersionAdded, $"component/{component}"));
    }

    [Fact]
    public async Task PostVersions_Returns409AndKeepsTheFirstUpload_WhenTheVersionExists()
    {
        await _alice.ReleaseAsync("api-gateway", "gateway", ("2.0.0", SampleManifests.Web("envoy:1.30")));

        using var again = await _alice.AddVersionAsync("api-gateway", "2.0.0", SampleManifests.Web("envoy:1.31"));

        var problem = await again.ExpectJsonAsync(HttpStatusCode.Conflict, "adding 2.0.0 again");
        Assert.Equal("Component 'api-gateway' already has a version '2.0.0'. Versions never change once added: give this one a new version label.",
            problem["detail"]!.GetValue<string>());
        var stored = await GetJsonAsync(_alice, "/api/v1/components/api-gateway/versions/2.0.0");
        Assert.Equal(["envoy:1.30"], stored["images"]!.AsArray().Select(i => i!.GetValue<string>()));
    }

    [Fact]
    public async Task PostComponents_Returns409_WhenTheNameIsTaken()
    {
        using (var first = await _alice.CreateComponentAsync("billing", "billing"))
            await first.ExpectJsonAsync(HttpStatusCode.Created, "creating billing");

        using var second = await world.Portal.ApiClient("bob").CreateComponentAsync("billing", "other", owner: "bob");

        var problem = await second.ExpectJsonAsync(HttpStatusCode.Conflict, "creating billing again");
        Assert.Equal("A component named 'billing' already exists.", problem["detail"]!.GetValue<string>());
        Assert.Equal("alice", (await GetJsonAsync(_alice, "/api/v1/components/billing"))["owner"]!.GetValue<string>());
    }

    [Fact]
    public async Task PostComponents_Returns400ListingEveryProblem_WhenNameAndNamespaceAreInvalid()
    {
        using var response = await _alice.CreateComponentAsync("Web_Frontend", "");

        var problem = await response.ExpectJsonAsync(HttpStatusCode.BadRequest, "creating an invalid component");
        Assert.Equal(
        [
            "Name 'Web_Frontend' must be 1-63 lowercase letters, digits or '-', starting and ending with a letter or digit.",
            "Namespace is required: where objects that name none are applied (e.g. web).",
        ], problem["errors"]!.AsArray().Select(e => e!.GetValue<string>()));
        using var missing = await _alice.GetAsync("/api/v1/components/Web_Frontend");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task PostComponentsAndVersions_Return403AndStoreNothing_WhenCallerIsViewer()
    {
        await _alice.ReleaseAsync("search", "search", ("1.0.0", SampleManifests.Web()));
        var dave = world.Portal.ApiClient("dave");

        using (var create = await dave.CreateComponentAsync("daves-component", "dave"))
            Assert.Equal(HttpStatusCode.Forbidden, create.StatusCode);
        using (var add = await dave.AddVersionAsync("search", "1.1.0", SampleManifests.Web("nginx:1.27.3")))
            Assert.Equal(HttpStatusCode.Forbidden, add.StatusCode);

        using (var missing = await dave.GetAsync("/api/v1/components/daves-component"))
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(["1.0.0"], Strings((await GetJsonAsync(dave, "/api/v1/components/search"))["versions"], "version"));
        Assert.Contains(await _carol.AuditAsync(AuditActions.AccessDenied, "dave"), e => e!["target"]!.GetValue<string>() == "POST /api/v1/components");
    }

    [Fact]
    public async Task GetVersionAndDiff_Return404NamingTheMissingVersion_WhenItDoesNotExist()
    {
        await _alice.ReleaseAsync("metrics", "monitoring", ("1.0.0", SampleManifests.Web()));

        using var version = await _alice.GetAsync("/api/v1/components/metrics/versions/9.9.9");
        using var diff = await _alice.GetAsync("/api/v1/components/metrics/diff?from=9.9.9&to=1.0.0");

        Assert.Equal("Component 'metrics' has no version '9.9.9'.", (await version.ExpectJsonAsync(HttpStatusCode.NotFound, "reading 9.9.9"))["detail"]!.GetValue<string>());
        Assert.Equal("Component 'metrics' has no version '9.9.9'.", (await diff.ExpectJsonAsync(HttpStatusCode.NotFound, "diffing 9.9.9"))["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task GetClusters_ListsEachClusterWithItsVersionAndDrift_WhenReleasesAreRecorded()
    {
        var bob = world.Portal.ApiClient("bob");
        var prod = world.Cluster("prod-hangzhou-02");
        var test = world.Cluster("test-shanghai-02");
        await bob.RegisterAsync(world.Fleet, prod);
        await bob.RegisterAsync(world.Fleet, test);
        await _alice.ReleaseAsync("ingress", "ingress", ("1.0.0", SampleManifests.Web("nginx:1.26.2")), ("1.1.0", SampleManifests.Web("nginx:1.27.3")));
        // The rollout engine records these after a successful apply; until it lands, write them as it will.
        await RecordReleaseAsync(prod.Name, "ingress", "1.0.0", drift: null);
        await RecordReleaseAsync(test.Name, "ingress", "1.1.0", drift: "Deployment web/web: image is nginx:1.25, expected nginx:1.27.3");

        var clusters = await GetJsonAsync(_alice, "/api/v1/components/ingress/clusters");

        Assert.Equal(2, clusters["total"]!.GetValue<int>());
        var items = clusters["items"]!.AsArray();
        Assert.Equal([test.Name, prod.Name], Strings(items, "cluster"));
        Assert.Equal([test.Environment, prod.Environment], Strings(items, "environment"));
        Assert.Equal(["1.1.0", "1.0.0"], Strings(items, "version"));
        Assert.Equal("Deployment web/web: image is nginx:1.25, expected nginx:1.27.3", items[0]!["drift"]!.GetValue<string>());
        Assert.True(items[0]!["drifted"]!.GetValue<bool>());
        Assert.Null(items[1]!["drift"]);
        Assert.False(items[1]!["drifted"]!.GetValue<bool>());
        Assert.True(items[1]!["appliedAt"]!.GetValue<DateTimeOffset>() > DateTimeOffset.UtcNow.AddHours(-1));

        var listed = (await GetJsonAsync(_alice, "/api/v1/components?search=ingress"))["items"]![0]!;
        Assert.Equal(2, listed["clusters"]!.GetValue<int>());
        Assert.Equal(["1.0.0", "1.1.0"], Strings(listed["runningVersions"], "version"));
    }

    private async Task RecordReleaseAsync(string cluster, string component, string version, string? drift)
    {
        await using var db = world.Portal.Db.CreateContext();
        var clusterId = await db.Clusters.Where(c => c.Name == cluster).Select(c => c.Id).SingleAsync();
        var componentId = await db.Components.Where(c => c.Name == component).Select(c => c.Id).SingleAsync();
        var versionId = await db.ComponentVersions.Where(v => v.ComponentId == componentId && v.Version == version).Select(v => v.Id).SingleAsync();
        db.ClusterReleases.Add(new ClusterRelease
        {
            ClusterId = clusterId, ComponentId = componentId, VersionId = versionId, Version = version,
            AppliedAt = DateTimeOffset.UtcNow, Drift = drift, DriftCheckedAt = drift is null ? null : DateTimeOffset.UtcNow,
        });
        await db.SaveChangesAsync();
    }
}
