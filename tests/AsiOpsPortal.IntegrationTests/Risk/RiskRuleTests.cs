using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AsiOpsPortal.IntegrationTests.Infrastructure;

namespace AsiOpsPortal.IntegrationTests.Risk;

/// <summary>The guardrails over the wire with the default rules: refusals with findings, an Admin's audited override, rule settings.</summary>
public sealed class RiskRuleTests(PortalWithFleet world) : IClassFixture<PortalWithFleet>
{
    private readonly HttpClient _alice = world.Portal.ApiClient("alice");
    private readonly HttpClient _bob = world.Portal.ApiClient("bob");
    private readonly HttpClient _admin = world.Portal.ApiClient("admin");

    private static object Proposal(string title, string component, string pipeline, string? overrideReason = null, string rollbackPlan = "roll back in the portal") =>
        new { title, reason = "risk test", rollbackPlan, component, version = "1.0", pipeline, overrideReason };

    private static JsonArray Findings(JsonNode body) => body["findings"]!.AsArray();

    [Fact]
    public async Task Propose_RefusesAProductionChangeWithOneWave_WithFindings_UnlessAnAdminOverridesWithAReason()
    {
        await _bob.RegisterAsync(world.Fleet, world.Cluster("prod-hangzhou-03"));
        await _bob.CreateComponentAsync("web-risky", "web-risky", ("1.0", "nginx:1.26"));
        await _bob.CreatePipelineAsync("one-prod-wave", ChangeApi.Wave("prod", ["prod-hangzhou-03"]));

        using (var refused = await _alice.PostAsJsonAsync("/api/v1/changes", Proposal("straight to prod", "web-risky", "one-prod-wave")))
        {
            var problem = await refused.ExpectJsonAsync(HttpStatusCode.UnprocessableEntity, "proposing one production wave");
            Assert.Contains(Findings(problem), f => f!["rule"]!.GetValue<string>() == "production-staged" && f["severity"]!.GetValue<string>() == "blocking"
                && f["message"]!.GetValue<string>().Contains("the first wave may not hold production clusters"));
            Assert.Contains(Findings(problem), f => f!["rule"]!.GetValue<string>() == "canary-wave");
        }
        using (var notAdmin = await _bob.PostAsJsonAsync("/api/v1/changes", Proposal("straight to prod", "web-risky", "one-prod-wave", "I am sure")))
            Assert.Equal(HttpStatusCode.Forbidden, notAdmin.StatusCode);

        using var overridden = await _admin.PostAsJsonAsync("/api/v1/changes", Proposal("straight to prod", "web-risky", "one-prod-wave", "INC-42: the outage fix cannot wait for staging"));
        var created = await overridden.ExpectJsonAsync(HttpStatusCode.Created, "proposing with an Admin override");
        var id = created["id"]!.GetValue<long>();

        var detail = await _bob.GetChangeAsync(id);
        Assert.Equal("critical", detail["riskLevel"]!.GetValue<string>());
        Assert.Equal(3, detail["requiredApprovals"]!.GetValue<int>());
        Assert.Contains(Findings(detail), f => f!["rule"]!.GetValue<string>() == "production-staged" && f["severity"]!.GetValue<string>() == "blocking");
        Assert.All(Findings(detail), f => Assert.False(string.IsNullOrEmpty(f!["message"]!.GetValue<string>())));
        Assert.Equal("admin", detail["riskOverride"]!["by"]!.GetValue<string>());
        Assert.Contains(detail["riskReasons"]!.AsArray(), r => r!.GetValue<string>().Contains("blocking rule finding"));

        var audited = Assert.Single(await _bob.AuditAsync("change.risk-overridden"), e => e!["target"]!.GetValue<string>() == $"change/{id}")!;
        Assert.Equal("admin", audited["actor"]!.GetValue<string>());
        Assert.Contains("INC-42", audited["details"]!.GetValue<string>());

        // The override was for revision 1: an edit that still blocks needs one again.
        using var edited = await _admin.PutAsJsonAsync($"/api/v1/changes/{id}", Proposal("straight to prod, v2", "web-risky", "one-prod-wave"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, edited.StatusCode);
    }

    [Fact]
    public async Task Propose_AcceptsAStagedProductionChange_WithNoFindings_AsHighRisk()
    {
        string[] canary = ["test-beijing-01"], prod = ["prod-beijing-03"];
        foreach (var name in canary.Concat(prod)) await _bob.RegisterAsync(world.Fleet, world.Cluster(name));
        await _bob.CreateComponentAsync("web-staged", "web-staged", ("1.0", "nginx:1.26"));
        await _bob.CreatePipelineAsync("staged", ChangeApi.Wave("canary", canary, canary: true), ChangeApi.Wave("prod", prod));

        using var response = await _alice.PostAsJsonAsync("/api/v1/changes", Proposal("staged to prod", "web-staged", "staged"));
        var change = await response.ExpectJsonAsync(HttpStatusCode.Created, "proposing a staged change");

        Assert.Empty(Findings(change));
        Assert.Equal("high", change["riskLevel"]!.GetValue<string>());
        Assert.Equal(2, change["requiredApprovals"]!.GetValue<int>());
        Assert.Null(change["riskOverride"]);

        using var noPlan = await _alice.PostAsJsonAsync("/api/v1/changes", Proposal("staged, no plan", "web-staged", "staged", rollbackPlan: ""));
        var problem = await noPlan.ExpectJsonAsync(HttpStatusCode.UnprocessableEntity, "proposing production without a rollback plan");
        Assert.Equal("rollback-plan", Assert.Single(Findings(problem))!["rule"]!.GetValue<string>());
    }

    [Fact]
    public async Task Rules_AreListedForSres_AndAnAdminsUpdateIsValidatedAndAudited()
    {
        using (var list = await _bob.GetAsync("/api/v1/risk-rules"))
        {
            var items = (await list.ExpectJsonAsync(HttpStatusCode.OK, "listing rules"))["items"]!.AsArray();
            Assert.Contains(items, r => r!["name"]!.GetValue<string>() == "region-share" && r["severity"]!.GetValue<string>() == "blocking" && r["enabled"]!.GetValue<bool>());
            Assert.Equal(8, items.Count);
        }
        using (var bad = await _admin.PutAsJsonAsync("/api/v1/risk-rules/region-share", new { parameters = new { maxShare = "150%" } }))
            Assert.Contains("maxShare", (await bad.ExpectJsonAsync(HttpStatusCode.BadRequest, "an impossible share"))["detail"]!.GetValue<string>());
        using (var sre = await _bob.PutAsJsonAsync("/api/v1/risk-rules/region-share", new { severity = "warning" }))
            Assert.Equal(HttpStatusCode.Forbidden, sre.StatusCode);

        using (var ok = await _admin.PutAsJsonAsync("/api/v1/risk-rules/region-share", new { severity = "warning", parameters = new { maxShare = "40%" } }))
        {
            var rule = await ok.ExpectJsonAsync(HttpStatusCode.OK, "updating region-share");
            Assert.Equal("warning", rule["severity"]!.GetValue<string>());
            Assert.Equal("40%", rule["parameters"]!.AsArray().Single(p => p!["name"]!.GetValue<string>() == "maxShare")!["value"]!.GetValue<string>());
        }
        using (var read = await _bob.GetAsync("/api/v1/risk-rules/region-share"))
            Assert.Equal("warning", (await read.ExpectJsonAsync(HttpStatusCode.OK, "reading region-share"))["severity"]!.GetValue<string>());
        Assert.Contains(await _bob.AuditAsync("risk-rule.update", "admin"), e => e!["target"]!.GetValue<string>() == "risk-rule/region-share");
    }
}
