using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using AsiOpsPortal.FleetSim.Store;
using Microsoft.AspNetCore.Http;

namespace AsiOpsPortal.FleetSim.Api;

/// <summary>
/// ?watch=1: a chunked stream of {"type","object"} JSON lines, as client-go and KubernetesClient read them.
/// Ends on timeoutSeconds or when the client goes away.
/// </summary>
internal static class WatchStream
{
    private static readonly TimeSpan BookmarkInterval = TimeSpan.FromSeconds(1);

    public static async Task RunAsync(HttpContext ctx, ClusterState state, ApiResource r, string? ns, bool table)
    {
        var query = ctx.Request.Query;
        var labels = Selector.ParseLabels(query["labelSelector"]);
        var fields = Selector.ParseFields(query["fieldSelector"]);
        long? since = long.TryParse(query["resourceVersion"], NumberStyles.None, CultureInfo.InvariantCulture, out var rv) ? rv : null;
        var bookmarks = query["allowWatchBookmarks"] == "true";
        var timeout = int.TryParse(query["timeoutSeconds"], NumberStyles.None, CultureInfo.InvariantCulture, out var t) && t > 0
            ? TimeSpan.FromSeconds(t) : Timeout.InfiniteTimeSpan;

        var (watcher, initial) = state.Watch(r, ns, since);
        using var lifetime = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted);
        if (timeout != Timeout.InfiniteTimeSpan) lifetime.CancelAfter(timeout);
        var first = true;
        try
        {
            ctx.Response.StatusCode = 200;
            ctx.Response.ContentType = "application/json";
            await ctx.Response.StartAsync(lifetime.Token);
            foreach (var ev in initial) await SendAsync(ev);
            await ctx.Response.Body.FlushAsync(lifetime.Token);

            var reader = watcher.Events.Reader;
            while (!lifetime.IsCancellationRequested)
            {
                using var tick = CancellationTokenSource.CreateLinkedTokenSource(lifetime.Token);
                if (bookmarks) tick.CancelAfter(BookmarkInterval);
                try
                {
                    if (!await reader.WaitToReadAsync(tick.Token)) break;
                    while (reader.TryRead(out var ev)) await SendAsync(ev);
                }
                catch (OperationCanceledException) when (!lifetime.IsCancellationRequested)
                {
                    var bookmark = new JsonObject
                    {
                        ["kind"] = r.Kind,
                        ["apiVersion"] = r.GroupVersion,
                        ["metadata"] = new JsonObject { ["resourceVersion"] = state.ResourceVersion.ToString(CultureInfo.InvariantCulture) },
                    };
                    await WriteLineAsync("BOOKMARK", bookmark);
                }
                await ctx.Response.Body.FlushAsync(lifetime.Token);
            }
        }
        catch (OperationCanceledException)
        {
            // timeoutSeconds elapsed or the client hung up: both simply end the stream.
        }
        finally
        {
            state.Unwatch(watcher);
        }

        async Task SendAsync(WatchEvent ev)
        {
            if (!labels.Matches(ev.Object) || !fields.Matches(ev.Object)) return;
            JsonNode obj = table ? Tables.Render(r, [ev.Object], null, null, null, first, query["includeObject"]) : ev.Object;
            first = false;
            await WriteLineAsync(ev.Type, obj);
        }

        async Task WriteLineAsync(string type, JsonNode obj)
        {
            var buffer = new ArrayBufferWriter<byte>();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartObject();
                writer.WriteString("type", type);
                writer.WritePropertyName("object");
                obj.WriteTo(writer);
                writer.WriteEndObject();
            }
            buffer.Write("\n"u8);
            await ctx.Response.Body.WriteAsync(buffer.WrittenMemory, lifetime.Token);
        }
    }
}
