using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AsiOpsPortal.IntegrationTests.Infrastructure;

namespace AsiOpsPortal.IntegrationTests.Changes;

/// <summary>A portal whose gate allow-list admits the receiver's loopback port, with a receiver playing the outside systems.</summary>
public sealed class GateWorld : PortalWithFleet, IAsyncLifetime
{
    private readonly Dictionary<string, string> _settings;

    public GateWorld() : this(new Dictionary<string, string>
    {
        ["Portal:RolloutPollInterval"] = "00:00:00.100",
        ["Portal:GateAllowedHosts:1"] = "allowed.example.com",
    }) { }

    private GateWorld(Dictionary<string, string> settings) : base("integrationgateworld", settings) => _settings = settings;

    public GateReceiver Receiver { get; private set; } = null!;

    async Task IAsyncLifetime.InitializeAsync()
    {
        // The receiver's port is known only once it listens; the portal reads its settings when it starts, after this.
        Receiver = await GateReceiver.StartAsync();
        _settings["Portal:GateAllowedHosts:0"] = $"127.0.0.1:{new Uri(Receiver.Url("/")).Port}";
        await InitializeAsync();
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        if (Receiver is not null) await Receiver.DisposeAsync();
        await DisposeAsync();
    }
}

/// <summary>
/// Webhook gates asked by real rollouts on PostgreSQL, Hangfire and FleetSim. Gates apply portal-wide, so each test
/// scopes its gates to its own clusters.
/// </summary>
public sealed class GateTests(GateWorld world) : IClassFixture<GateWorld>
{
    private readonly HttpClient _alice = world.Portal.ApiClient("alice");
    private readonly HttpClient _bob = world.Portal.ApiClient("bob");

    [Fact]
    public async Task PassingGates_AreAskedAtEveryBoundary_WithThePayloadAndTheirHeaders_AndRecordedOnTheChange()
    {
        string[] first = ["test-hangzhou-01"], second = ["test-shanghai-01"];
        await RegisterAsync([.. first, .. second]);
        world.Receiver.Script("/pass-before", new(200, """{"message":"error budget healthy"}"""));
        world.Receiver.Script("/pass-after", new(204));
        var scope = $"name in ({first[0]}, {second[0]})";
        var before = await CreateGateAsync("pass-before", "/pass-before", "beforeWave", scope, headers: new() { ["Authorization"] = "Bearer s3cret-token" });
        await CreateGateAsync("pass-after", "/pass-after", "afterWave", scope);
        await _alice.CreateComponentAsync("web-gated", "web-gated", ("1.0", "nginx:1.26"));
        await _bob.CreatePipelineAsync("gated-path", ChangeApi.Wave("first", first), ChangeApi.Wave("second", second));

        var id = await _alice.ProposeOkAsync("web through passing gates", "web-gated", "1.0", "gated-path");
        await _bob.ApproveOkAsync(id);
        var done = await _bob.WaitForStatusAsync(id, "Succeeded");

        var calls = done["gates"]!.AsArray();
        Assert.Equal(["pass-before/beforeWave/0", "pass-after/afterWave/0", "pass-before/beforeWave/1", "pass-after/afterWave/1"],
            calls.Select(c => $"{c!["gate"]}/{c["stage"]}/{c["wave"]}"));
        Assert.All(calls, c => Assert.Equal("passed", c!["outcome"]!.GetValue<string>()));
        Assert.Equal("passed (200): error budget healthy", calls[0]!["message"]!.GetValue<string>());

        var asked = world.Receiver.ReceivedAt("/pass-before");
        Assert.Equal(2, asked.Count);
        Assert.All(asked, r => Assert.Equal("Bearer s3cret-token", r.Authorization));
        var payload = asked[1].Body;
        Assert.Equal("pass-before", payload["gate"]!.GetValue<string>());
        Assert.Equal("beforeWave", payload["stage"]!.GetValue<string>());
        Assert.Equal(id, payload["change"]!["id"]!.GetValue<long>());
        Assert.Equal("web-gated", payload["change"]!["component"]!.GetValue<string>());
        Assert.Equal("1.0", payload["change"]!["version"]!.GetValue<string>());
        Assert.Equal("second", payload["wave"]!["name"]!.GetValue<string>());
        Assert.Equal(second, payload["clusters"]!.AsArray().Select(c => c!["name"]!.GetValue<string>()));

        // The token went out encrypted at rest and never comes back through the API.
        using var read = await _bob.GetAsync($"/api/v1/gates/{before}");
        var text = await read.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Contains("Authorization", text);
        Assert.DoesNotContain("s3cret-token", text);
    }

    [Fact]
    public async Task FailingGate_PausesBeforeItsWaveWithTheGatesMessage_LeavesTheWaveUntouched_AndResumeAsksAgain()
    {
        string[] first = ["test-beijing-01"], second = ["staging-beijing-01"];
        await RegisterAsync([.. first, .. second]);
        world.Receiver.Script("/checkout", new(422, """{"message":"checkout error rate 7% is above 1%"}"""));
        await CreateGateAsync("checkout-health", "/checkout", "beforeWave", $"name={second[0]}");
        await _alice.CreateComponentAsync("web-refused", "web-refused", ("1.0", "nginx:1.26"));
        await _bob.CreatePipelineAsync("refused-path", ChangeApi.Wave("first", first), ChangeApi.Wave("second", second));

        var id = await _alice.ProposeOkAsync("web into a refusing gate", "web-refused", "1.0", "refused-path");
        await _bob.ApproveOkAsync(id);
        var paused = await _bob.WaitForStatusAsync(id, "Paused");

        Assert.Equal("Paused: gate 'checkout-health' before wave 'second' refused (422): checkout error rate 7% is above 1%.",
            paused["statusReason"]!.GetValue<string>());
        var steps = ChangeApi.StepStatuses(paused);
        Assert.Equal("Succeeded", steps[first[0]]);
        Assert.Equal("Pending", steps[second[0]]);
        Assert.Null(await world.Fleet.DeploymentImageAsync(second[0], "web-refused", "web-refused"));
        var refused = await _bob.AuditAsync("gate.asked");
        Assert.Contains(refused, e => e!["target"]!.GetValue<string>() == $"change/{id}" && e["succeeded"]!.GetValue<bool>() == false);

        // The outside system recovers; an SRE resumes, and the gate is asked again.
        world.Receiver.Script("/checkout", new(200));
        using (var resume = await _bob.ActAsync(id, "resume"))
            Assert.Equal(HttpStatusCode.OK, resume.StatusCode);
        var done = await _bob.WaitForStatusAsync(id, "Succeeded");
        Assert.Equal(["failed", "passed"], done["gates"]!.AsArray().Select(c => c!["outcome"]!.GetValue<string>()));
        Assert.Equal("nginx:1.26", await world.Fleet.DeploymentImageAsync(second[0], "web-refused", "web-refused"));
    }

    [Fact]
    public async Task SilentGate_IsRetriedAfterItsTimeout_ThenFailsAndPausesBeforeTheChangeStarts()
    {
        string[] clusters = ["test-shanghai-02"];
        await RegisterAsync(clusters);
        world.Receiver.Script("/slow", new(200, "too late", Delay: TimeSpan.FromSeconds(30)));
        await CreateGateAsync("slow-suite", "/slow", "beforeChange", $"name={clusters[0]}", timeoutSeconds: 1, retries: 1);
        await _alice.CreateComponentAsync("web-silent", "web-silent", ("1.0", "nginx:1.26"));
        await _bob.CreatePipelineAsync("silent-path", ChangeApi.Wave("only", clusters));

        var id = await _alice.ProposeOkAsync("web into a silent gate", "web-silent", "1.0", "silent-path");
        await _bob.ApproveOkAsync(id);
        var paused = await _bob.WaitForStatusAsync(id, "Paused");

        var call = paused["gates"]!.AsArray().Single()!;
        Assert.Equal("failed", call["outcome"]!.GetValue<string>());
        Assert.Equal(2, call["attempts"]!.GetValue<int>());
        Assert.Null(call["statusCode"]);
        Assert.Equal("Paused: gate 'slow-suite' before the change no answer within 1 s (attempt 2 of 2).", paused["statusReason"]!.GetValue<string>());
        Assert.Equal(2, world.Receiver.ReceivedAt("/slow").Count);
        Assert.Equal("Pending", ChangeApi.StepStatuses(paused)[clusters[0]]);
    }

    [Fact]
    public async Task Registering_RefusesHostsOffTheAllowList_UnknownStagesAndBadScopes_WithPlainMessages()
    {
        using var offList = await _bob.PostAsJsonAsync("/api/v1/gates", new { name = "elsewhere", url = "https://example.com/gate", stage = "beforeWave" });
        var problem = await offList.ExpectJsonAsync(HttpStatusCode.BadRequest, "registering an off-list gate");
        Assert.Contains($"Host 'example.com' is not on the portal's gate allow-list (127.0.0.1:{new Uri(world.Receiver.Url("/")).Port}, allowed.example.com)", problem["detail"]!.GetValue<string>());

        // An allowed host's other ports are not gates: an entry with a port allows that port only.
        using var otherPort = await _bob.PostAsJsonAsync("/api/v1/gates", new { name = "ssh", url = "http://allowed.example.com:22/", stage = "beforeWave" });
        var portProblem = await otherPort.ExpectJsonAsync(HttpStatusCode.BadRequest, "registering a gate on another port of an allowed host");
        Assert.Contains("Port 22 of 'allowed.example.com' is not on the portal's gate allow-list", portProblem["detail"]!.GetValue<string>());

        using var badStage = await _bob.PostAsJsonAsync("/api/v1/gates", new { name = "sometime", url = world.Receiver.Url("/x"), stage = "whenever", scope = "tier in (" });
        var text = (await badStage.ExpectJsonAsync(HttpStatusCode.BadRequest, "registering a gate with a bad stage"))["detail"]!.GetValue<string>();
        Assert.Contains("Stage 'whenever' is unknown", text);
        Assert.Contains("Scope:", text);

        using var developer = await _alice.PostAsJsonAsync("/api/v1/gates", new { name = "mine", url = world.Receiver.Url("/x"), stage = "beforeWave" });
        Assert.Equal(HttpStatusCode.Forbidden, developer.StatusCode);
    }

    private Task RegisterAsync(string[] names) => world.RegisterAsync(names);

    private async Task<Guid> CreateGateAsync(string name, string path, string stage, string scope, Dictionary<string, string>? headers = null,
        int timeoutSeconds = 5, int retries = 0)
    {
        using var response = await _bob.PostAsJsonAsync("/api/v1/gates",
            new { name, url = world.Receiver.Url(path), stage, scope, headers, timeoutSeconds, retries });
        var gate = await response.ExpectJsonAsync(HttpStatusCode.Created, $"registering gate {name}");
        return gate["id"]!.GetValue<Guid>();
    }
}
