using AsiOpsPortal.Core.Data;
using AsiOpsPortal.Web.Clusters;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AsiOpsPortal.Web.Infrastructure;

public static class ApiExtensions
{
    public const int MaxRequestBytes = 1024 * 1024;

    public static void AddPortalApi(this WebApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<PortalExceptionHandler>();
        builder.Services.AddOpenApi("v1");
        builder.Services.Configure<JsonOptions>(o => StrictJson.Apply(o.SerializerOptions));
        // Outside Development a body that cannot be bound would otherwise be a bare 400; the handler below says why.
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = MaxRequestBytes);
        builder.Services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database")
            .AddCheck<HangfireHealthCheck>("hangfire");
    }

    public static void UsePortalPipeline(this WebApplication app)
    {
        // First, so everything after sees the client's address and scheme rather than the proxy's.
        app.UseTrustedProxies();
        app.UseSecurityHeaders();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        if (!app.Environment.IsDevelopment()) app.UseHsts();
        // Read from beside the binaries whatever content root a host (or test host) chose.
        app.UseStaticFiles(new StaticFileOptions { FileProvider = new Microsoft.Extensions.FileProviders.PhysicalFileProvider(WebRoot.Locate()) });
        // Routing after static files: otherwise MapStaticAssets' catch-all file endpoint claims /app.css first.
        app.UseRouting();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();
        app.UseMiddleware<NulCharacterGuard>();
    }

    public static void MapPortalInfrastructure(this WebApplication app)
    {
        // Styles and scripts are public: the sign-in page needs them before anyone is signed in.
        app.MapStaticAssets().AllowAnonymous();
        app.MapOpenApi("/openapi/{documentName}.json").RequireAuthorization(Policies.Viewer);
        // Load balancers and scripts poll this without credentials; it reveals only up/down per dependency.
        app.MapHealthChecks("/healthz", new Microsoft.AspNetCore.Diagnostics.HealthChecks.HealthCheckOptions
        {
            ResponseWriter = async (context, report) =>
            {
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsJsonAsync(new
                {
                    status = report.Status.ToString(),
                    checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), description = e.Value.Description }),
                });
            },
        }).AllowAnonymous();
        app.MapPortalHangfireDashboard();
        if (app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<PortalOptions>>().Value.RunWorkers)
            app.Services.RegisterRecurringJobs();
    }
}

/// <summary>Maps the portal's exceptions to ProblemDetails; anything else is a 500 without a stack trace.</summary>
internal sealed class PortalExceptionHandler(IProblemDetailsService problems, ILogger<PortalExceptionHandler> log) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken ct)
    {
        var (status, title, detail) = exception switch
        {
            ValidationFailedException v => (StatusCodes.Status400BadRequest, "The request is not valid", string.Join(" ", v.Errors)),
            NotFoundException => (StatusCodes.Status404NotFound, "Not found", exception.Message),
            ConflictException => (StatusCodes.Status409Conflict, "Conflict", exception.Message),
            Risk.RiskBlockedException => (StatusCodes.Status422UnprocessableEntity, "Blocked by risk rules", exception.Message),
            ForbiddenException => (StatusCodes.Status403Forbidden, "Forbidden", exception.Message),
            _ when DatabaseInterruption.IsConnectionLost(exception) =>
                (StatusCodes.Status503ServiceUnavailable, "The database did not answer", DatabaseUnavailable.Message(exception)),
            BadHttpRequestException b => (b.StatusCode, "Bad request", b.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? $"The request body is larger than {ApiExtensions.MaxRequestBytes / 1024} KiB." : RequestProblems.Describe(b, context)),
            _ => (StatusCodes.Status500InternalServerError, "Unexpected error", "Something went wrong; the error was logged."),
        };
        if (status == StatusCodes.Status500InternalServerError)
            log.LogError(exception, "Unhandled error on {Method} {Path}", context.Request.Method, context.Request.Path);
        if (status == StatusCodes.Status503ServiceUnavailable)
        {
            log.LogWarning(exception, "Lost the database connection on {Method} {Path}", context.Request.Method, context.Request.Path);
            context.Response.Headers.RetryAfter = DatabaseUnavailable.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        context.Response.StatusCode = status;
        var problem = new Microsoft.AspNetCore.Mvc.ProblemDetails { Status = status, Title = title, Detail = RequestProblems.WithoutTypeNames(detail) };
        if (exception is ValidationFailedException validation) problem.Extensions["errors"] = validation.Errors.Select(RequestProblems.WithoutTypeNames).ToList();
        if (exception is Risk.RiskBlockedException blocked) problem.Extensions["findings"] = blocked.Findings;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem, Exception = exception });
    }
}

internal sealed class DatabaseHealthCheck(Microsoft.EntityFrameworkCore.IDbContextFactory<AsiOpsPortal.Core.Data.PortalDbContext> dbFactory) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            return await db.Database.CanConnectAsync(ct)
                ? HealthCheckResult.Healthy("PostgreSQL answers")
                : HealthCheckResult.Unhealthy("PostgreSQL does not answer");
        }
        catch (Exception e)
        {
            return HealthCheckResult.Unhealthy($"PostgreSQL does not answer: {e.GetType().Name}");
        }
    }
}

internal sealed class HangfireHealthCheck(Hangfire.JobStorage storage, Microsoft.Extensions.Options.IOptions<PortalOptions> options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        try
        {
            var servers = storage.GetMonitoringApi().Servers();
            if (options.Value.RunWorkers && servers.Count == 0)
                return Task.FromResult(HealthCheckResult.Degraded("Hangfire storage answers but no server is running"));
            return Task.FromResult(HealthCheckResult.Healthy($"{servers.Count} Hangfire server(s)"));
        }
        catch (Exception e)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy($"Hangfire storage does not answer: {e.GetType().Name}"));
        }
    }
}
