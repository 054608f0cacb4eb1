using System.Text;
using System.Text.Json;
using AsiOpsPortal.Core.Gates;
using AsiOpsPortal.Web.Infrastructure;
using Microsoft.Extensions.Options;

namespace AsiOpsPortal.Web.Gates;

/// <summary>
/// Asks one gate: POSTs the payload, reads the answer, and retries 5xx answers and timeouts with growing pauses. Only
/// hosts on the allow-list are called (checked before every attempt), redirects are not followed, and every attempt
/// has the gate's own timeout.
/// </summary>
public sealed class GateClient(IHttpClientFactory http, GateProtector protector, IOptions<PortalOptions> options, TimeProvider time, ILogger<GateClient> log)
{
    public const string HttpClientName = "gates";
    /// <summary>Gates answer with a verdict, not a document: more than this is not read.</summary>
    private const int MaxAnswerBytes = 16 * 1024;

    public async Task<GateCall> AskAsync(Gate gate, GatePayload payload, long changeId, int? wave, CancellationToken ct)
    {
        var call = new GateCall
        {
            ChangeId = changeId, GateId = gate.Id, GateName = gate.Name, Stage = gate.Stage, Wave = wave, StartedAt = time.GetUtcNow(),
        };
        var body = JsonSerializer.Serialize(payload, JsonSerializerOptions.Web);
        for (var attempt = 1; ; attempt++)
        {
            call.Attempts = attempt;
            var (verdict, status) = await OnceAsync(gate, body, ct);
            call.StatusCode = status;
            log.LogInformation("Gate {Gate} for change {ChangeId}, attempt {Attempt}: {Verdict} {Message}", gate.Name, changeId, attempt, verdict.Kind, verdict.Message);
            if (verdict.Kind == GateVerdictKind.Pass || verdict.Kind == GateVerdictKind.Fail || attempt > gate.Retries)
            {
                call.Outcome = verdict.Kind == GateVerdictKind.Pass ? GateOutcome.Passed : GateOutcome.Failed;
                call.Message = attempt > 1 ? $"{verdict.Message} (attempt {attempt} of {gate.Retries + 1})" : verdict.Message;
                call.FinishedAt = time.GetUtcNow();
                return call;
            }
            await Task.Delay(GateRules.Backoff(attempt + 1), time, ct);
        }
    }

    private async Task<(GateVerdict Verdict, int? Status)> OnceAsync(Gate gate, string body, CancellationToken ct)
    {
        if (GateRules.HostProblem(gate.Url, options.Value.GateAllowedHosts) is { } problem)
            return (new GateVerdict(GateVerdictKind.Fail, $"not called: {problem}"), null);

        using var request = new HttpRequestMessage(HttpMethod.Post, gate.Url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        foreach (var (name, value) in protector.Unprotect(gate.EncryptedHeaders)) request.Headers.TryAddWithoutValidation(name, value);
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(ct);
        attempt.CancelAfter(TimeSpan.FromSeconds(gate.TimeoutSeconds));
        try
        {
            using var response = await http.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, attempt.Token);
            var status = (int)response.StatusCode;
            return (GateRules.Read(status, await ReadAsync(response.Content, attempt.Token)), status);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return (new GateVerdict(GateVerdictKind.Retry, $"no answer within {gate.TimeoutSeconds} s"), null);
        }
        catch (HttpRequestException e)
        {
            return (new GateVerdict(GateVerdictKind.Retry, $"could not be reached ({e.HttpRequestError})"), null);
        }
    }

    private static async Task<string> ReadAsync(HttpContent content, CancellationToken ct)
    {
        await using var stream = await content.ReadAsStreamAsync(ct);
        var buffer = new byte[MaxAnswerBytes];
        var read = 0;
        while (read < buffer.Length && await stream.ReadAsync(buffer.AsMemory(read), ct) is var n and > 0) read += n;
        return Encoding.UTF8.GetString(buffer, 0, read);
    }
}
