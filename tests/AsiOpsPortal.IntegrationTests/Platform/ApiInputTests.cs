using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using AsiOpsPortal.IntegrationTests.Infrastructure;
using Npgsql;

namespace AsiOpsPortal.IntegrationTests.Platform;

/// <summary>Bad input gets a 400 that names the field and says what is wrong, never a 500 or a silent drop (docs/api-input.md).</summary>
public sealed class ApiInputTests(PortalOnly fixture) : IClassFixture<PortalOnly>
{
    private readonly HttpClient _admin = fixture.Portal.ApiClient("admin");

    [Fact]
    public async Task PostComponents_Refused400NamingTheField_WhenTheBodyHasAnUnknownField()
    {
        using var response = await _admin.PostAsync("/api/v1/components", Json("""{"name":"typo-one","namespace":"ops","descriptin":"misspelt"}"""));

        var detail = await ExpectBadRequestAsync(response);
        Assert.Contains("Unknown field $.descriptin", detail);
        Assert.Equal(HttpStatusCode.NotFound, (await _admin.GetAsync("/api/v1/components/typo-one")).StatusCode);
    }

    [Fact]
    public async Task PostComponents_Refused400NamingTheField_WhenAFieldIsGivenTwice()
    {
        using var response = await _admin.PostAsync("/api/v1/components", Json("""{"name":"twice-one","namespace":"ops","name":"twice-two"}"""));

        Assert.Contains("Field $.name is given more than once", await ExpectBadRequestAsync(response));
        Assert.Equal(HttpStatusCode.NotFound, (await _admin.GetAsync("/api/v1/components/twice-two")).StatusCode);
    }

    [Fact]
    public async Task PatchClusters_Refused400SayingWhatWasExpected_WhenAFieldHasTheWrongType()
    {
        using var response = await _admin.PatchAsync("/api/v1/clusters/any", Json("""{"tier":"high"}"""));

        Assert.Contains("Field $.tier has a value of the wrong type", await ExpectBadRequestAsync(response));
    }

    [Fact]
    public async Task PostComponents_Refused400NamingTheField_WhenAStringHasANulCharacter()
    {
        using var response = await _admin.PostAsync("/api/v1/components", Json("""{"name":"nul-one","namespace":"ops","description":"a\u0000b"}"""));

        Assert.Contains("Field $.description contains a NUL character", await ExpectBadRequestAsync(response));
    }

    [Theory]
    [InlineData("/api/v1/clusters?search=a%00b", "query parameter 'search'")]
    [InlineData("/api/v1/audit?actor=%00", "query parameter 'actor'")]
    public async Task Get_Refused400NamingTheParameter_WhenTheQueryOrPathHasANulCharacter(string path, string named)
    {
        using var response = await _admin.GetAsync(path);

        Assert.Contains(named, await ExpectBadRequestAsync(response));
    }

    [Fact]
    public async Task PostComponents_Refused400NamingTheFieldAndItsLimit_WhenTheDescriptionIsTooLong()
    {
        using var response = await _admin.CreateComponentAsync("long-description", "ops", new string('d', 4_001));

        Assert.Contains("Description must be at most 1000 characters", await ExpectBadRequestAsync(response));
        Assert.Equal(HttpStatusCode.NotFound, (await _admin.GetAsync("/api/v1/components/long-description")).StatusCode);
    }

    [Theory]
    [InlineData("/api/v1/audit?page=2147483647", "page is too far")]
    [InlineData("/api/v1/audit?pageSize=1000000", "pageSize must be from 1 to 500")]
    [InlineData("/api/v1/clusters?page=-1", "page must be 0 or more")]
    [InlineData("/api/v1/components?pageSize=0", "pageSize must be from 1 to 500")]
    [InlineData("/api/v1/clusters/any/nodes?pageSize=501", "pageSize must be from 1 to 500")]
    [InlineData("/api/v1/changes?limit=100000", "limit must be from 1 to 500")]
    [InlineData("/api/v1/audit?page=abc", "Parameter 'page' must be")]
    public async Task Lists_Refused400SayingTheRule_WhenPagingIsOutOfRange(string path, string rule)
    {
        using var response = await _admin.GetAsync(path);

        Assert.Contains(rule, await ExpectBadRequestAsync(response));
    }

    [Fact]
    public async Task PostChanges_Refused400_WhenBothAComponentAndManifestsAreGiven()
    {
        using var response = await _admin.PostAsJsonAsync("/api/v1/changes", new
        {
            title = "both", reason = "fuzz", component = "web", version = "1.0.0", pipeline = "any",
            manifests = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: both\n",
        });

        var body = await response.ExpectJsonAsync(HttpStatusCode.BadRequest, "proposing with both");
        Assert.Contains("Give a component and version, or manifests, not both.", body["errors"]!.AsArray().Select(e => e!.GetValue<string>()));
    }

    [Fact]
    public async Task PostSchedulerPolicies_Refused400InWordsWithoutTypeNames_WhenASectionHasTheWrongShape()
    {
        using var response = await _admin.PostAsync("/api/v1/scheduler/policies",
            new StringContent("name: wrong-shape\nshaping:\n  canary: fast\n", Encoding.UTF8, "application/yaml"));

        var detail = await ExpectBadRequestAsync(response);
        // The YAML front end's one style: the line, the field, and what it must be.
        Assert.Contains("Line 3, column 11: shaping.canary must be ", detail);
    }

    [Fact]
    public async Task Api_AnswersAsUsual_WhenPostgresDroppedEveryConnectionBeforeTheRequests()
    {
        using (var warm = await _admin.CreateComponentAsync("before-restart", "ops"))
            await warm.ExpectJsonAsync(HttpStatusCode.Created, "creating a component before the drop");

        await DropEveryConnectionAsync();

        // A read (retried by the execution strategy) and a write (its transaction starts on a fresh connection).
        using var read = await _admin.GetAsync("/api/v1/components");
        await read.ExpectJsonAsync(HttpStatusCode.OK, "listing components after the drop");
        using var write = await _admin.CreateComponentAsync("after-restart", "ops");
        await write.ExpectJsonAsync(HttpStatusCode.Created, "creating a component after the drop");
    }

    /// <summary>What a PostgreSQL restart does to the portal's pool: every open session of its database ends.</summary>
    private async Task DropEveryConnectionAsync()
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(fixture.Portal.Db.ConnectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var terminate = new NpgsqlCommand(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()", connection);
        var dropped = (long)(await terminate.ExecuteScalarAsync())!;
        Assert.True(dropped > 0, "expected the portal to hold open connections to drop");
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    /// <summary>Insists on a 400 problem whose text names no .NET type, and returns its detail and errors as one text.</summary>
    private static async Task<string> ExpectBadRequestAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"expected 400 but got {(int)response.StatusCode}: {text}");
        Assert.DoesNotContain("System.", text);
        Assert.DoesNotContain("AsiOpsPortal.", text);
        var problem = JsonNode.Parse(text)!;
        return problem["detail"]!.GetValue<string>() + " " + string.Join(" ", problem["errors"]?.AsArray().Select(e => e!.GetValue<string>()) ?? []);
    }
}
