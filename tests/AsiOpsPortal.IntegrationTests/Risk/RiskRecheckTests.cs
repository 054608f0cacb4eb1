using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using AsiOpsPortal.IntegrationTests.Infrastructure;

namespace AsiOpsPortal.IntegrationTests.Risk;

/// <summary>
/// The risk rules are checked again at the approval that would start a change: a rule that began to block since the
/// proposal (here, business hours that now exclude the change) refuses the start and records nothing.
/// </summary>
public sealed class RiskRecheckTests(PortalWithFleet world) : IClassFixture<PortalWithFleet>
{
    private readonly HttpClient _alice = world.Portal.ApiClient("alice");
    private readonly HttpClient _bob = world.Portal.ApiClient("bob");
    private readonly HttpClient _carol = world.Portal.ApiClient("carol");
    private readonly HttpClient _admin = world.Portal.ApiClient("admin");

    [Fact]
    public async Task LastApproval_IsRefused_WhenARuleBlocksTheChangeNow_AndStartsItOnceTheRuleLetsGo()
    {
        string[] canary = ["test-hangzhou-01"], prod = ["prod-hangzhou-02"];
        foreach (var name in canary.Concat(prod)) await _bob.RegisterAsync(world.Fleet, world.Cluster(name));
        await _bob.CreateComponentAsync("web-recheck", "web-recheck", ("1.0", "nginx:1.26"));
        await _bob.CreatePipelineAsync("recheck", ChangeApi.Wave("canary", canary, canary: true), ChangeApi.Wave("prod", prod));
        var id = await _alice.ProposeOkAsync("web to prod", "web-recheck", "1.0", "recheck");
        Assert.Equal(2, (await _bob.GetChangeAsync(id))["requiredApprovals"]!.GetValue<int>());
        await _bob.ApproveOkAsync(id);

        // Since the proposal, tier-1 clusters may only change in an hour two hours away from now, on the same day: a window
        // may not wrap past midnight, so after noon it lies before now, before noon after it.
        var now = DateTime.UtcNow;
        var opens = now.AddHours(now.Hour >= 12 ? -3 : 2);
        await SetRuleAsync(new
        {
            severity = "blocking",
            parameters = new
            {
                maxTier = "1", days = "Mon,Tue,Wed,Thu,Fri,Sat,Sun", timeZone = "UTC",
                hours = $"{opens.ToString("HH", CultureInfo.InvariantCulture)}:00-{opens.AddHours(1).ToString("HH", CultureInfo.InvariantCulture)}:00",
            },
        });

        using (var refused = await _carol.ReviewAsync(id, "approve"))
        {
            var problem = await refused.ExpectJsonAsync(HttpStatusCode.Conflict, "the last approval while a rule blocks");
            Assert.Contains("The risk rules block this change now", problem["detail"]!.GetValue<string>());
            Assert.Contains("prod-hangzhou-02", problem["detail"]!.GetValue<string>());
        }
        var pending = await _bob.GetChangeAsync(id);
        Assert.Equal("PendingApproval", pending["status"]!.GetValue<string>());
        Assert.Single(pending["approvals"]!.AsArray());

        await SetRuleAsync(new { severity = "warning" });
        await _carol.ApproveOkAsync(id);

        await _bob.WaitForStatusAsync(id, "Succeeded", TimeSpan.FromSeconds(120));
    }

    private async Task SetRuleAsync(object body)
    {
        using var response = await _admin.PutAsJsonAsync("/api/v1/risk-rules/tier0-business-hours", body);
        await response.ExpectJsonAsync(HttpStatusCode.OK, "updating tier0-business-hours");
    }
}
