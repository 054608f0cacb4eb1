using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AsiOpsPortal.IntegrationTests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace AsiOpsPortal.IntegrationTests.Security;

/// <summary>
/// Seeded fuzzing of every write endpoint with malformed bodies: each must be refused with a 4xx that names no .NET type,
/// and leave the stored rows as they were. A failure prints the seed, endpoint and body that broke it.
/// </summary>
public sealed class MalformedInputFuzzTests(PortalOnly fixture) : IClassFixture<PortalOnly>
{
    private const int Seed = 20261203;
    private const int BodiesPerEndpoint = 500; // issue 11 asks for at least 500 per write endpoint
    private static readonly string[] TypeNameMarkers = ["System.", "AsiOpsPortal.", "Microsoft.", "Npgsql", "YamlDotNet", "\n   at "];

    [Fact]
    public async Task WriteEndpoints_RefuseEveryMalformedBodyWithA4xxAndChangeNothing_WhenFuzzedAsAnAdmin()
    {
        var writes = AuthorizationMatrixTests.ApiRoutes.Where(r => r.Method is "POST" or "PUT" or "PATCH").ToList();
        var random = new Random(Seed);
        // Generated up front from one seeded Random, so a run is the same whatever order the requests finish in.
        var cases = writes.SelectMany(route => Enumerable.Range(0, BodiesPerEndpoint).Select(i => (Route: route, Body: MalformedBody.Next(random, route.Body, i)))).ToList();
        var before = await RowCountsAsync();

        var failures = new ConcurrentBag<string>();
        using var admin = fixture.Portal.ApiClient("admin");
        await Parallel.ForEachAsync(cases, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (c, ct) =>
        {
            using var request = new HttpRequestMessage(new HttpMethod(c.Route.Method), c.Route.Path) { Content = c.Body.ToContent() };
            using var response = await admin.SendAsync(request, ct);
            var status = (int)response.StatusCode;
            var text = await response.Content.ReadAsStringAsync(ct);
            var leaked = TypeNameMarkers.FirstOrDefault(m => text.Contains(m, StringComparison.Ordinal));
            if (status is < 400 or >= 500 || leaked is not null)
                failures.Add($"{c.Route.Method} {c.Route.Path} [{c.Body.Kind}] -> {status}{(leaked is null ? "" : $" naming '{leaked}'")}: {Shorten(text)}\n      body ({c.Body.ContentType}): {Shorten(c.Body.Text)}");
        });

        Assert.True(failures.IsEmpty, $"seed {Seed}: {failures.Count} of {cases.Count} malformed requests were not refused cleanly:\n  "
            + string.Join("\n  ", failures.Take(25)));
        Assert.Equal(before, await RowCountsAsync());
    }

    /// <summary>Rows of everything a write endpoint can create; audit events are left out (refusals may be audited).</summary>
    private async Task<string> RowCountsAsync()
    {
        await using var db = fixture.Portal.Db.CreateContext();
        var counts = new[]
        {
            ("clusters", await db.Clusters.CountAsync()), ("components", await db.Components.CountAsync()),
            ("versions", await db.ComponentVersions.CountAsync()), ("changes", await db.Changes.CountAsync()),
            ("approvals", await db.Approvals.CountAsync()), ("pipelines", await db.Pipelines.CountAsync()),
            ("policies", await db.SchedulerPolicies.CountAsync()), ("gates", await db.Gates.CountAsync()),
            ("freeze windows", await db.FreezeWindows.CountAsync()), ("tokens", await db.ApiTokens.CountAsync()),
            ("risk settings", await db.RiskRuleSettings.CountAsync()), ("users", await db.Users.CountAsync()),
        };
        return string.Join(", ", counts.Select(c => $"{c.Item1}={c.Item2}"));
    }

    private static string Shorten(string text) => (text.Length <= 300 ? text : text[..300] + "…").Replace("\0", "\\0");

    private sealed record MalformedBody(string Kind, string Text, string? ContentType = "application/json")
    {
        public HttpContent ToContent()
        {
            var content = new ByteArrayContent(Encoding.UTF8.GetBytes(Text));
            if (ContentType is not null) content.Headers.ContentType = MediaTypeHeaderValue.Parse(ContentType);
            return content;
        }

        private static readonly string[] Hostile =
        [
            "<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "'; DROP TABLE clusters; --", "../../etc/passwd", "\u202Eevil",
            "名前", "😀", "\uFFFF", "$(reboot)", "{{7*7}}",
        ];

        /// <summary>One malformed body shaped after the endpoint's sample: every kind comes round in turn, details vary by the seed.</summary>
        public static MalformedBody Next(Random random, object? sample, int index)
        {
            var fields = sample is null ? new JsonObject() : JsonSerializer.SerializeToNode(sample)!.AsObject();
            var names = fields.Select(f => f.Key).DefaultIfEmpty("name").ToList();
            var name = names[random.Next(names.Count)];
            var valid = fields.ToJsonString();
            return (index % 12) switch
            {
                0 => new("unknown field", With(fields, $"{Pick(random, ["extra", "Name ", "tiers", "__proto__", "name\u00e9", "admin"])}{random.Next(100)}", Value(random))),
                1 => new("duplicate field", $"{{\"{name}\":{Value(random).ToJsonString()},\"{name}\":{Value(random).ToJsonString()}}}"),
                2 => new("wrong type", With(fields, name, WrongType(random, fields[name]))),
                3 => new("NUL in a value", With(fields, name, JsonValue.Create($"{Pick(random, Hostile)}\0{random.Next()}"))),
                4 => new("NUL in a key", $"{{\"{name}\\u0000\":\"x\"}}"),
                5 => new("huge string and unknown field", With(With(fields, name, JsonValue.Create(new string('x', random.Next(5_000, 300_000)))), "unknownHuge", 1)),
                6 => new("deep nesting", Nest(random.Next(70, 400), random.Next(2) == 0)),
                7 => new("truncated", valid.Length > 1 ? valid[..random.Next(1, valid.Length - 1)] : "{"),
                8 => new("wrong content type", valid, Pick(random, ["text/plain", "application/xml", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "image/png"])),
                9 => new("array for object", $"[{valid},{valid}]"),
                10 => new("number out of range", With(fields, name, JsonNode.Parse(Pick(random, ["1e400", "-1e400", "99999999999999999999999", "-9223372036854775809", "1.5", "-0"]))!)),
                _ => new("hostile text and an unknown field", With(With(fields, name, JsonValue.Create(Pick(random, Hostile))), "extra", Pick(random, Hostile))),
            };
        }

        private static string With(JsonObject fields, string key, JsonNode? value)
        {
            var copy = fields.DeepClone().AsObject();
            copy[key] = value;
            return copy.ToJsonString();
        }

        private static string With(string json, string key, object value)
        {
            var node = JsonNode.Parse(json)!.AsObject();
            node[key] = JsonValue.Create(value.ToString());
            return node.ToJsonString();
        }

        private static JsonNode Value(Random random) => random.Next(5) switch
        {
            0 => JsonValue.Create(random.Next())!,
            1 => JsonValue.Create(Pick(random, Hostile))!,
            2 => new JsonArray(1, "a", null),
            3 => new JsonObject { ["nested"] = true },
            _ => JsonValue.Create(random.Next(2) == 0)!,
        };

        /// <summary>A value of a different JSON kind than the sample's.</summary>
        private static JsonNode WrongType(Random random, JsonNode? sample)
        {
            var kind = sample?.GetValueKind();
            JsonNode[] choices = kind switch
            {
                JsonValueKind.String => [JsonValue.Create(random.Next())!, new JsonArray("a"), new JsonObject { ["a"] = 1 }, JsonValue.Create(true)!],
                JsonValueKind.Number => [JsonValue.Create(Pick(random, Hostile))!, new JsonArray(1), new JsonObject(), JsonValue.Create(false)!],
                JsonValueKind.True or JsonValueKind.False => [JsonValue.Create("yes")!, JsonValue.Create(1)!, new JsonArray()],
                _ => [new JsonArray(1, 2), JsonValue.Create(random.Next())!],
            };
            return choices[random.Next(choices.Length)];
        }

        private static string Nest(int depth, bool arrays) =>
            arrays ? new string('[', depth) + new string(']', depth)
            : string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth);

        private static string Pick(Random random, string[] choices) => choices[random.Next(choices.Length)];
    }
}
