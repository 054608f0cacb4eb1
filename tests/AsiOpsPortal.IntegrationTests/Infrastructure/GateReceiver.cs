using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AsiOpsPortal.IntegrationTests.Infrastructure;

/// <summary>
/// A stand-in for the outside systems webhook gates ask: a real HTTP server on loopback that answers each path as the
/// test scripted it and keeps every request it received.
/// </summary>
public sealed class GateReceiver : IAsyncDisposable
{
    public sealed record Answer(int Status, string Body = "", TimeSpan Delay = default);

    public sealed record Received(string Path, JsonNode Body, string? Authorization);

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, Answer> _answers = new();
    private readonly ConcurrentQueue<Received> _received = new();

    private GateReceiver()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.Run(async context =>
        {
            var path = context.Request.Path.Value ?? "/";
            var body = await JsonNode.ParseAsync(context.Request.Body) ?? new JsonObject();
            _received.Enqueue(new Received(path, body, context.Request.Headers.Authorization.FirstOrDefault()));
            var answer = _answers.GetValueOrDefault(path) ?? new Answer(404, "no such gate");
            if (answer.Delay > TimeSpan.Zero)
            {
                try { await Task.Delay(answer.Delay, context.RequestAborted); }
                catch (OperationCanceledException) { return; }
            }
            context.Response.StatusCode = answer.Status;
            context.Response.ContentType = answer.Body.StartsWith('{') ? "application/json" : "text/plain";
            await context.Response.WriteAsync(answer.Body);
        });
    }

    public static async Task<GateReceiver> StartAsync()
    {
        var receiver = new GateReceiver();
        await receiver._app.StartAsync();
        return receiver;
    }

    public string Url(string path) =>
        _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/') + path;

    public void Script(string path, Answer answer) => _answers[path] = answer;

    public IReadOnlyList<Received> ReceivedAt(string path) => _received.Where(r => r.Path == path).ToList();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
