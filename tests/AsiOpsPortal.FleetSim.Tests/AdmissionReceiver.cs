using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AsiOpsPortal.FleetSim.Tests;

/// <summary>
/// A validating admission webhook on loopback HTTPS, with a certificate of its own making (its caBundle). It records
/// every AdmissionReview it receives and answers by path: /allow, /deny/CODE (reason and message set), /throttle/SECONDS (429
/// saying when to retry), /silent (denied with no status), /warn (allows with <see cref="Warning"/>), /slow (allows after 5 s), /error (HTTP 500), /wrong-uid
/// (allows, but for another request).
/// </summary>
public sealed class AdmissionReceiver : IAsyncDisposable
{
    public const string DenialMessage = "the pod delete budget of namespace default is spent (3/3 this hour)";
    public const string Warning = "the pod delete budget of namespace default is nearly spent (2/3 this hour)";

    private readonly WebApplication app;
    private readonly ConcurrentQueue<(string Path, JsonObject Request, string? Authorization)> reviews = new();

    private AdmissionReceiver(WebApplication app, string caPem)
    {
        this.app = app;
        CaBundle = Convert.ToBase64String(Encoding.ASCII.GetBytes(caPem));
    }

    public static async Task<AdmissionReceiver> StartAsync()
    {
        using var certificate = CreateCertificate();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var serving = X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(serving)));
        var app = builder.Build();
        var receiver = new AdmissionReceiver(app, certificate.ExportCertificatePem());
        app.MapPost("/{**behaviour}", receiver.AnswerAsync);
        await app.StartAsync();
        return receiver;
    }

    /// <summary>Base64 PEM of the receiver's self-signed certificate, as clientConfig.caBundle wants it.</summary>
    public string CaBundle { get; }

    public string Url(string path) =>
        $"https://127.0.0.1:{new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).Port}{path}";

    /// <summary>The <c>request</c> part of every review received so far, in arrival order.</summary>
    public IReadOnlyList<JsonObject> Reviews => reviews.Select(r => r.Request).ToList();

    /// <summary>The Authorization header of every review received so far (null when none), in arrival order.</summary>
    public IReadOnlyList<string?> Authorizations => reviews.Select(r => r.Authorization).ToList();

    public int Port => new Uri(Url("/")).Port;

    private async Task<IResult> AnswerAsync(HttpContext ctx, string behaviour)
    {
        var review = (await JsonNode.ParseAsync(ctx.Request.Body))!.AsObject();
        var request = review["request"]!.AsObject();
        reviews.Enqueue(("/" + behaviour, request, ctx.Request.Headers.Authorization.FirstOrDefault()));
        var uid = request["uid"]!.GetValue<string>();
        var response = new JsonObject { ["uid"] = uid, ["allowed"] = true };
        switch (behaviour.Split('/'))
        {
            case ["allow"]:
                break;
            case ["deny", var code]:
                response["allowed"] = false;
                response["status"] = new JsonObject { ["code"] = int.Parse(code), ["reason"] = code == "429" ? "TooManyRequests" : "Forbidden", ["message"] = DenialMessage };
                break;
            case ["throttle", var seconds]:
                response["allowed"] = false;
                response["status"] = new JsonObject
                {
                    ["code"] = 429, ["reason"] = "TooManyRequests", ["message"] = DenialMessage,
                    ["details"] = new JsonObject { ["retryAfterSeconds"] = int.Parse(seconds) },
                };
                break;
            case ["warn"]:
                response["warnings"] = new JsonArray(Warning);
                break;
            case ["silent"]:
                response["allowed"] = false;
                break;
            case ["slow"]:
                await Task.Delay(TimeSpan.FromSeconds(5), ctx.RequestAborted);
                break;
            case ["error"]:
                return Results.Text("receiver broke", statusCode: 500);
            case ["wrong-uid"]:
                response["uid"] = Guid.NewGuid().ToString();
                break;
            default:
                return Results.NotFound();
        }
        return Results.Json(new JsonObject { ["apiVersion"] = "admission.k8s.io/v1", ["kind"] = "AdmissionReview", ["response"] = response });
    }

    private static X509Certificate2 CreateCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=admission-receiver", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(1));
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
