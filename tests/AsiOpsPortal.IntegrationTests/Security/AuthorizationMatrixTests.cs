using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.RegularExpressions;
using AsiOpsPortal.Core.Accounts;
using AsiOpsPortal.Core.Audit;
using AsiOpsPortal.IntegrationTests.Infrastructure;
using AsiOpsPortal.Tests.Shared.Hosting;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components.Endpoints;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.StaticAssets;
using Microsoft.Extensions.DependencyInjection;

namespace AsiOpsPortal.IntegrationTests.Security;

/// <summary>Every page and endpoint × every role: who gets in, who is sent away, and that each refusal is audited.</summary>
public sealed partial class AuthorizationMatrixTests(PortalOnly fixture) : IClassFixture<PortalOnly>
{
    private const string Anonymous = "anonymous";
    private static readonly string[] Callers = [Anonymous, "dave", "alice", "bob", "admin"];

    internal sealed record ApiRoute(string Method, string Pattern, string Path, string MinimumRole, object? Body = null);

    /// <summary>Every /api/v1 endpoint. Allowed callers are sent requests that change nothing (unknown names, invalid bodies).</summary>
    internal static readonly ApiRoute[] ApiRoutes =
    [
        new("GET", "/api/v1/clusters", "/api/v1/clusters", Roles.Viewer),
        new("POST", "/api/v1/clusters", "/api/v1/clusters", Roles.Sre, new { name = "matrix-probe" }),
        new("GET", "/api/v1/clusters/{name}", "/api/v1/clusters/no-such-cluster", Roles.Viewer),
        new("PATCH", "/api/v1/clusters/{name}", "/api/v1/clusters/no-such-cluster", Roles.Sre, new { tier = 2 }),
        new("PUT", "/api/v1/clusters/{name}", "/api/v1/clusters/no-such-cluster", Roles.Sre, new { tier = 2 }),
        new("DELETE", "/api/v1/clusters/{name}", "/api/v1/clusters/no-such-cluster", Roles.Sre),
        new("GET", "/api/v1/clusters/{name}/nodes", "/api/v1/clusters/no-such-cluster/nodes", Roles.Viewer),
        new("POST", "/api/v1/clusters/{name}/sync", "/api/v1/clusters/no-such-cluster/sync", Roles.Sre),
        new("GET", "/api/v1/components", "/api/v1/components", Roles.Viewer),
        new("POST", "/api/v1/components", "/api/v1/components", Roles.Developer, new { name = "" }),
        new("GET", "/api/v1/components/{name}", "/api/v1/components/no-such-component", Roles.Viewer),
        new("POST", "/api/v1/components/{name}/versions", "/api/v1/components/no-such-component/versions", Roles.Developer, new { version = "1.0.0", manifests = "" }),
        new("GET", "/api/v1/components/{name}/versions/{version}", "/api/v1/components/no-such-component/versions/1.0.0", Roles.Viewer),
        new("GET", "/api/v1/components/{name}/diff", "/api/v1/components/no-such-component/diff", Roles.Viewer),
        new("GET", "/api/v1/components/{name}/clusters", "/api/v1/components/no-such-component/clusters", Roles.Viewer),
        new("GET", "/api/v1/changes", "/api/v1/changes", Roles.Viewer),
        new("POST", "/api/v1/changes", "/api/v1/changes", Roles.Developer, new { title = "" }),
        new("GET", "/api/v1/changes/{id:long}", "/api/v1/changes/999999", Roles.Viewer),
        new("PUT", "/api/v1/changes/{id:long}", "/api/v1/changes/999999", Roles.Developer, new { title = "" }),
        new("POST", "/api/v1/changes/{id:long}/approvals", "/api/v1/changes/999999/approvals", Roles.Sre, new { decision = "approve" }),
        new("POST", "/api/v1/changes/{id:long}/freeze-exception", "/api/v1/changes/999999/freeze-exception", Roles.Admin, new { reason = "matrix" }),
        new("POST", "/api/v1/changes/{id:long}/pause", "/api/v1/changes/999999/pause", Roles.Sre, new { }),
        new("POST", "/api/v1/changes/{id:long}/resume", "/api/v1/changes/999999/resume", Roles.Sre, new { }),
        new("POST", "/api/v1/changes/{id:long}/abort", "/api/v1/changes/999999/abort", Roles.Sre, new { }),
        new("POST", "/api/v1/changes/{id:long}/rollback", "/api/v1/changes/999999/rollback", Roles.Sre, new { }),
        new("GET", "/api/v1/changes/{id:long}/rollback-plan", "/api/v1/changes/999999/rollback-plan", Roles.Viewer),
        new("GET", "/api/v1/risk-rules", "/api/v1/risk-rules", Roles.Sre),
        new("GET", "/api/v1/risk-rules/{name}", "/api/v1/risk-rules/no-such-rule", Roles.Sre),
        new("PUT", "/api/v1/risk-rules/{name}", "/api/v1/risk-rules/no-such-rule", Roles.Admin, new { enabled = true }),
        new("GET", "/api/v1/pipelines", "/api/v1/pipelines", Roles.Viewer),
        new("POST", "/api/v1/pipelines", "/api/v1/pipelines", Roles.Sre, new { name = "matrix-probe" }),
        new("GET", "/api/v1/pipelines/{name}", "/api/v1/pipelines/no-such-pipeline", Roles.Viewer),
        new("PUT", "/api/v1/pipelines/{name}", "/api/v1/pipelines/no-such-pipeline", Roles.Sre, new { name = "no-such-pipeline" }),
        new("DELETE", "/api/v1/pipelines/{name}", "/api/v1/pipelines/no-such-pipeline", Roles.Sre),
        new("GET", "/api/v1/pipelines/{name}/plan", "/api/v1/pipelines/no-such-pipeline/plan", Roles.Viewer),
        new("GET", "/api/v1/scheduler/policies", "/api/v1/scheduler/policies", Roles.Viewer),
        new("POST", "/api/v1/scheduler/policies", "/api/v1/scheduler/policies", Roles.Sre, new { name = "matrix-probe" }),
        new("GET", "/api/v1/scheduler/policies/{name}", "/api/v1/scheduler/policies/no-such-policy", Roles.Viewer),
        new("PUT", "/api/v1/scheduler/policies/{name}", "/api/v1/scheduler/policies/no-such-policy", Roles.Sre, new { name = "no-such-policy" }),
        new("DELETE", "/api/v1/scheduler/policies/{name}", "/api/v1/scheduler/policies/no-such-policy", Roles.Sre),
        new("POST", "/api/v1/scheduler/preview", "/api/v1/scheduler/preview", Roles.Viewer, new { policy = "no-such-policy" }),
        new("GET", "/api/v1/gates", "/api/v1/gates", Roles.Viewer),
        new("POST", "/api/v1/gates", "/api/v1/gates", Roles.Sre, new { name = "matrix-probe", url = "https://gates.invalid/", stage = "beforeWave" }),
        new("GET", "/api/v1/gates/{id:guid}", "/api/v1/gates/00000000-0000-0000-0000-000000000000", Roles.Viewer),
        new("DELETE", "/api/v1/gates/{id:guid}", "/api/v1/gates/00000000-0000-0000-0000-000000000000", Roles.Sre),
        new("GET", "/api/v1/freeze-windows", "/api/v1/freeze-windows", Roles.Viewer),
        new("POST", "/api/v1/freeze-windows", "/api/v1/freeze-windows", Roles.Sre, new { name = "" }),
        new("GET", "/api/v1/freeze-windows/status", "/api/v1/freeze-windows/status?cluster=no-such-cluster", Roles.Viewer),
        new("GET", "/api/v1/freeze-windows/occurrences", "/api/v1/freeze-windows/occurrences", Roles.Viewer),
        new("GET", "/api/v1/freeze-windows/{id:guid}", $"/api/v1/freeze-windows/{Guid.Empty}", Roles.Viewer),
        new("DELETE", "/api/v1/freeze-windows/{id:guid}", $"/api/v1/freeze-windows/{Guid.Empty}", Roles.Sre),
        new("GET", "/api/v1/defender/budgets", "/api/v1/defender/budgets", Roles.Viewer),
        new("POST", "/api/v1/defender/budgets", "/api/v1/defender/budgets", Roles.Sre, new { name = "" }),
        new("GET", "/api/v1/defender/budgets/{name}", "/api/v1/defender/budgets/no-such-budget", Roles.Viewer),
        new("PUT", "/api/v1/defender/budgets/{name}", "/api/v1/defender/budgets/no-such-budget", Roles.Sre, new { name = "no-such-budget" }),
        new("DELETE", "/api/v1/defender/budgets/{name}", "/api/v1/defender/budgets/no-such-budget", Roles.Sre),
        new("GET", "/api/v1/defender/decisions", "/api/v1/defender/decisions", Roles.Viewer),
        new("POST", "/api/v1/defender/breakers/{budget}/reset", "/api/v1/defender/breakers/no-such-budget/reset", Roles.Sre, new { reason = "matrix" }),
        new("GET", "/api/v1/defender/agent-limits", "/api/v1/defender/agent-limits", Roles.Viewer),
        new("POST", "/api/v1/defender/agent-limits", "/api/v1/defender/agent-limits", Roles.Sre, new { pattern = "" }),
        new("PUT", "/api/v1/defender/agent-limits/{id:guid}", $"/api/v1/defender/agent-limits/{Guid.Empty}", Roles.Sre, new { pattern = "matrix/*", perSecond = 1 }),
        new("DELETE", "/api/v1/defender/agent-limits/{id:guid}", $"/api/v1/defender/agent-limits/{Guid.Empty}", Roles.Sre),
        new("GET", "/api/v1/defender/break-glass", "/api/v1/defender/break-glass", Roles.Viewer),
        new("POST", "/api/v1/defender/break-glass", "/api/v1/defender/break-glass", Roles.Admin, new { cluster = "no-such-cluster", minutes = 0, reason = "" }),
        new("DELETE", "/api/v1/defender/break-glass/{cluster}", "/api/v1/defender/break-glass/no-such-cluster", Roles.Admin),
        new("POST", "/api/v1/defender/clusters/{cluster}/key", "/api/v1/defender/clusters/no-such-cluster/key", Roles.Admin),
        new("POST", "/api/v1/defender/install", "/api/v1/defender/install", Roles.Admin, new { clusters = new[] { "no-such-cluster" } }),
        new("GET", "/api/v1/audit", "/api/v1/audit", Roles.Sre),
        new("GET", "/api/v1/audit/verify", "/api/v1/audit/verify", Roles.Sre),
        new("POST", "/api/v1/audit/reseal", "/api/v1/audit/reseal", Roles.Admin, new { fromEventId = 0, reason = "" }),
        new("GET", "/api/v1/tokens", "/api/v1/tokens", Roles.Viewer),
        new("POST", "/api/v1/tokens", "/api/v1/tokens", Roles.Viewer, new { name = "" }),
        new("DELETE", "/api/v1/tokens/{id:guid}", $"/api/v1/tokens/{Guid.Empty}", Roles.Viewer),
        new("GET", "/api/v1/users", "/api/v1/users", Roles.Admin),
        new("PUT", "/api/v1/users/{name}/role", "/api/v1/users/no-such-user/role", Roles.Admin, new { role = Roles.Viewer }),
        new("PUT", "/api/v1/users/{name}/lock", "/api/v1/users/no-such-user/lock", Roles.Admin),
        new("DELETE", "/api/v1/users/{name}/lock", "/api/v1/users/no-such-user/lock", Roles.Admin),
    ];

    private sealed record PageRoute(string Pattern, string Path, string? MinimumRole);

    /// <summary>Every page (null minimum: open to anyone), plus the dashboards mounted beside the pages.</summary>
    private static readonly PageRoute[] PageRoutes =
    [
        new("/", "/", Roles.Viewer),
        new("/clusters", "/clusters", Roles.Viewer),
        new("/clusters/{Name}", "/clusters/no-such-cluster", Roles.Viewer),
        new("/clusters/register", "/clusters/register", Roles.Sre),
        new("/components", "/components", Roles.Viewer),
        new("/components/new", "/components/new", Roles.Developer),
        new("/components/{Name}", "/components/no-such-component", Roles.Viewer),
        new("/components/{Name}/diff", "/components/no-such-component/diff", Roles.Viewer),
        new("/changes", "/changes", Roles.Viewer),
        new("/changes/new", "/changes/new", Roles.Developer),
        new("/changes/{Id:long}", "/changes/999999", Roles.Viewer),
        new("/changes/{EditId:long}/edit", "/changes/999999/edit", Roles.Developer),
        new("/approvals", "/approvals", Roles.Sre),
        new("/pipelines", "/pipelines", Roles.Viewer),
        new("/pipelines/new", "/pipelines/new", Roles.Sre),
        new("/pipelines/{Name}", "/pipelines/no-such-pipeline", Roles.Viewer),
        new("/scheduler", "/scheduler", Roles.Viewer),
        new("/scheduler/new", "/scheduler/new", Roles.Sre),
        new("/scheduler/{Name}", "/scheduler/no-such-policy", Roles.Viewer),
        new("/scheduler/{Name}/preview", "/scheduler/no-such-policy/preview", Roles.Viewer),
        new("/gates", "/gates", Roles.Viewer),
        new("/freeze-windows", "/freeze-windows", Roles.Viewer),
        new("/freeze-windows/calendar", "/freeze-windows/calendar", Roles.Viewer),
        new("/defender", "/defender", Roles.Viewer),
        new("/audit", "/audit", Roles.Sre),
        new("/risk-rules", "/risk-rules", Roles.Sre),
        new("/account/tokens", "/account/tokens", Roles.Viewer),
        new("/admin/users", "/admin/users", Roles.Admin),
        new("/account/login", "/account/login", null),
        new("/account/access-denied", "/account/access-denied", null),
        new("/hangfire", "/hangfire", Roles.Admin),
        new("/openapi/{documentName}.json", "/openapi/v1.json", Roles.Viewer),
    ];

    /// <summary>
    /// Every endpoint open to visitors who have not signed in, static assets aside: signing in, and health. The provider's
    /// redirect to /signin-oidc is no endpoint; the authentication middleware answers it before routing.
    /// </summary>
    private static readonly string[] AnonymousEndpoints =
    [
        "GET,POST /account/login",
        "POST /account/login",
        "GET /account/sso",
        "GET /account/external-callback",
        "GET,POST /account/access-denied",
        "* /healthz",
    ];

    private PortalFactory Portal => fixture.Portal;
    private IReadOnlyList<Endpoint> Endpoints => Portal.Services.GetRequiredService<EndpointDataSource>().Endpoints;

    [Fact]
    public void Endpoints_EachStateAPolicyOrAllowAnonymous_WhenTheAppIsMapped()
    {
        var offenders = Endpoints
            .Where(e => e.Metadata.GetMetadata<IAllowAnonymous>() is null
                && !e.Metadata.GetOrderedMetadata<IAuthorizeData>().Any(a => !string.IsNullOrEmpty(a.Policy)))
            .Select(Describe)
            // MapStaticAssets adds this development-only file fallback after conventions run, so it cannot carry a
            // policy; the fallback policy (signed-in Viewer) guards it, and published builds do not map it.
            .Where(d => d != "GET,HEAD {**path:file} (Fallback {**path:file})")
            .Distinct()
            .Order()
            .ToList();

        Assert.True(offenders.Count == 0,
            $"{offenders.Count} endpoint(s) state no policy and no [AllowAnonymous], so only the fallback policy guards them:\n  " + string.Join("\n  ", offenders));
    }

    [Fact]
    public void Endpoints_AdmitAnonymousVisitors_OnlyWhereSigningInOrHealthNeedsIt()
    {
        var anonymous = Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<IAllowAnonymous>() is not null && e.Metadata.GetMetadata<StaticAssetDescriptor>() is null)
            .Select(e => $"{string.Join(",", e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["*"])} {e.RoutePattern.RawText}")
            .Distinct()
            .Order()
            .ToList();

        Assert.Equal(AnonymousEndpoints.Order(), anonymous);
    }

    [Fact]
    public async Task ApiEndpoints_AnswerAccordingToRole_ForEveryCallerAndEndpoint()
    {
        var mapped = Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api/") == true)
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["*"]).Select(m => $"{m} {Normalize(e.RoutePattern.RawText!)}"))
            .Order().ToList();
        Assert.Equal(mapped, ApiRoutes.Select(r => $"{r.Method} {r.Pattern}").Order().ToList());

        var failures = new List<string>();
        var expectedDenials = new List<(string Actor, string Target, string Role)>();
        foreach (var caller in Callers)
        {
            using var client = caller == Anonymous ? Portal.AnonymousClient() : Portal.ApiClient(caller);
            foreach (var route in ApiRoutes)
            {
                using var request = new HttpRequestMessage(new HttpMethod(route.Method), route.Path);
                if (route.Body is not null) request.Content = JsonContent.Create(route.Body);
                using var response = await client.SendAsync(request);
                var status = (int)response.StatusCode;
                var expected = Expect(caller, route.MinimumRole);
                var ok = expected switch
                {
                    Outcome.Unauthenticated => status == 401,
                    Outcome.Forbidden => status == 403,
                    _ => status is not (401 or 403) && status < 500,
                };
                if (!ok) failures.Add($"{caller,-9} {route.Method,-6} {route.Path}: {status}, expected {Describe(expected)} (minimum {route.MinimumRole})");
                if (expected == Outcome.Forbidden) expectedDenials.Add((caller, $"{route.Method} {route.Path}", route.MinimumRole));
            }
        }

        Assert.True(failures.Count == 0, "The API answered against the matrix:\n  " + string.Join("\n  ", failures));
        await AssertEachDenialAuditedAsync(expectedDenials, ApiRoutes.Select(r => $"{r.Method} {r.Path}"));
    }

    [Fact]
    public async Task Pages_AnswerAccordingToRole_ForEveryCallerSignedInThroughTheLoginForm()
    {
        var mappedPages = Endpoints.Where(e => e.Metadata.GetMetadata<ComponentTypeMetadata>() is not null)
            .OfType<RouteEndpoint>().Select(e => e.RoutePattern.RawText!).Distinct().Order().ToList();
        Assert.Equal(mappedPages, PageRoutes.Select(p => p.Pattern).Where(p => !p.StartsWith("/hangfire") && !p.StartsWith("/openapi")).Order().ToList());

        var failures = new List<string>();
        var expectedDenials = new List<(string Actor, string Target, string Role)>();
        foreach (var caller in Callers)
        {
            using var browser = caller == Anonymous ? Portal.NewBrowser() : await Portal.SignedInBrowserAsync(caller);
            foreach (var page in PageRoutes)
            {
                using var response = await browser.GetAsync(page.Path);
                var status = (int)response.StatusCode;
                var expected = page.MinimumRole is null ? Outcome.Allowed : Expect(caller, page.MinimumRole);
                var ok = expected switch
                {
                    Outcome.Unauthenticated => status == 302 && response.RedirectPath() == "/account/login",
                    Outcome.Forbidden => status == 302 && response.RedirectPath() == "/account/access-denied",
                    _ => status == 200,
                };
                if (!ok) failures.Add($"{caller,-9} GET {page.Path}: {status} {response.Headers.Location}, expected {Describe(expected)} (minimum {page.MinimumRole ?? "none"})");
                if (expected == Outcome.Forbidden) expectedDenials.Add((caller, $"GET {page.Path}", page.MinimumRole!));
            }
        }

        Assert.True(failures.Count == 0, "Pages answered against the matrix:\n  " + string.Join("\n  ", failures));
        await AssertEachDenialAuditedAsync(expectedDenials, PageRoutes.Select(p => $"GET {p.Path}"));
    }

    [Fact]
    public async Task StaticAssets_AreServed_WhenTheLoginPageIsOpenedAnonymously()
    {
        // The sign-in page must look and work right before anyone has signed in.
        using var anonymous = Portal.AnonymousClient();
        var login = await anonymous.GetStringAsync("/account/login");
        var assets = AssetReference().Matches(login).Select(m => m.Groups[1].Value).Where(a => !a.Contains("://")).Distinct().ToList();
        Assert.NotEmpty(assets);

        var refused = new List<string>();
        foreach (var asset in assets)
        {
            using var response = await anonymous.GetAsync("/" + asset.TrimStart('/'));
            if (response.StatusCode != HttpStatusCode.OK) refused.Add($"/{asset.TrimStart('/')}: {(int)response.StatusCode} {response.Headers.Location}");
        }
        Assert.True(refused.Count == 0, "The login page references assets an anonymous visitor cannot load:\n  " + string.Join("\n  ", refused));
    }

    private enum Outcome { Allowed, Unauthenticated, Forbidden }

    private static Outcome Expect(string caller, string minimumRole) =>
        caller == Anonymous ? Outcome.Unauthenticated
        : Roles.Satisfies(PortalFactory.RoleOf(caller), minimumRole) ? Outcome.Allowed
        : Outcome.Forbidden;

    private static string Describe(Outcome outcome) => outcome switch
    {
        Outcome.Unauthenticated => "401 / sign-in",
        Outcome.Forbidden => "403 / access denied",
        _ => "allowed",
    };

    /// <summary>One auth.denied event per refused request, naming who, what and the roles that would have been let in; none for the others.</summary>
    private async Task AssertEachDenialAuditedAsync(IReadOnlyList<(string Actor, string Target, string Role)> expected, IEnumerable<string> targetsOfThisTest)
    {
        using var admin = Portal.ApiClient("admin");
        var targets = targetsOfThisTest.ToHashSet();
        var recorded = (await admin.AuditAsync(AuditActions.AccessDenied))
            .Select(e => (Actor: e!["actor"]!.GetValue<string>(), Target: e["target"]!.GetValue<string>(), Details: e["details"]!.GetValue<string>(), Succeeded: e["succeeded"]!.GetValue<bool>()))
            .Where(e => targets.Contains(e.Target) && e.Actor != Anonymous)
            .ToList();

        var problems = new StringBuilder();
        foreach (var (actor, target, role) in expected)
        {
            var events = recorded.Where(e => e.Actor == actor && e.Target == target).ToList();
            if (events.Count != 1) problems.AppendLine($"  {actor} {target}: {events.Count} auth.denied events, expected 1");
            else if (!events[0].Details.Contains(role) || events[0].Succeeded) problems.AppendLine($"  {actor} {target}: event says '{events[0].Details}', succeeded={events[0].Succeeded}");
        }
        foreach (var extra in recorded.Where(e => !expected.Any(x => x.Actor == e.Actor && x.Target == e.Target)))
            problems.AppendLine($"  {extra.Actor} {extra.Target}: audited as denied but was allowed");
        Assert.True(problems.Length == 0, "auth.denied events do not match the refused requests:\n" + problems);
    }

    [GeneratedRegex(@"<(?:link[^>]*\shref|script[^>]*\ssrc)=""([^""]+\.(?:css|js))""")]
    private static partial Regex AssetReference();

    private static string Normalize(string pattern) => pattern.Length > 1 ? pattern.TrimEnd('/') : pattern;

    private static string Describe(Endpoint endpoint) => endpoint is RouteEndpoint route
        ? $"{string.Join(",", endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["*"])} {route.RoutePattern.RawText} ({endpoint.DisplayName})"
        : endpoint.DisplayName ?? endpoint.ToString()!;
}
