using System.Globalization;
using AsiOpsPortal.Core.Audit;
using AsiOpsPortal.Core.Data;
using AsiOpsPortal.Core.Freeze;
using AsiOpsPortal.Core.Pipelines;
using AsiOpsPortal.Web.Accounts;
using AsiOpsPortal.Web.Audit;
using AsiOpsPortal.Web.Clusters;
using AsiOpsPortal.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace AsiOpsPortal.Web.Freeze;

/// <summary>
/// Freeze windows: create, read, delete (audited), and the questions the rest of the portal asks of them: is this cluster
/// or wave frozen now, and when does it open. Answers come from a <see cref="FreezeCalendar"/> built once and rebuilt when
/// a window is added or removed (in any process: the table's count and newest creation time are checked on each use) or
/// when its horizon has moved on a day.
/// </summary>
public sealed class FreezeService(IDbContextFactory<PortalDbContext> dbFactory, AuditedWrite write, LiveUpdates liveUpdates, TimeProvider time)
{
    /// <summary>How far back and ahead the calendar expands occurrences; answers beyond say "not within the horizon".</summary>
    public static readonly TimeSpan LookBehind = TimeSpan.FromDays(2);
    public static readonly TimeSpan LookAhead = TimeSpan.FromDays(400);

    private static readonly string[] WallClockFormats =
        ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd HH:mm", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd"];

    private readonly SemaphoreSlim _building = new(1, 1);
    private Cached? _cached;

    private sealed record Cached(int Count, DateTimeOffset? Newest, DateTimeOffset BuiltAt, FreezeCalendar Calendar);

    public async Task<IReadOnlyList<FreezeWindowView>> ListAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var windows = await db.FreezeWindows.AsNoTracking().OrderByDescending(w => w.CreatedAt).ToListAsync(ct);
        var calendar = await CalendarAsync(ct);
        return windows.Select(w => ToView(w, calendar)).ToList();
    }

    public async Task<FreezeWindowView?> GetAsync(Guid id, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var window = await db.FreezeWindows.AsNoTracking().SingleOrDefaultAsync(w => w.Id == id, ct);
        return window is null ? null : ToView(window, await CalendarAsync(ct));
    }

    public async Task<FreezeWindowView> CreateAsync(FreezeWindowRequest request, Actor actor, CancellationToken ct = default)
    {
        var window = Parse(request);
        window.CreatedBy = actor.Name;
        window.CreatedAt = time.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await write.RunAsync(db, actor, async audit =>
        {
            db.FreezeWindows.Add(window);
            await audit.RecordAsync(AuditActions.FreezeWindowCreated, Target(window), Summary(window));
        }, ct);
        _cached = null;
        await liveUpdates.PublishFreezeChangedAsync(ct);
        return ToView(window, await CalendarAsync(ct));
    }

    public async Task DeleteAsync(Guid id, Actor actor, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var window = await db.FreezeWindows.SingleOrDefaultAsync(w => w.Id == id, ct) ?? throw new NotFoundException($"No freeze window {id}.");
        await write.RunAsync(db, actor, async audit =>
        {
            db.FreezeWindows.Remove(window);
            await audit.RecordAsync(AuditActions.FreezeWindowDeleted, Target(window), Summary(window));
            // Rollouts parked on a freeze look again now (the watchdog restarts them) rather than when it would have ended.
            await db.Changes.Where(c => c.ParkedUntil != null).ExecuteUpdateAsync(u => u.SetProperty(c => c.ParkedUntil, (DateTimeOffset?)null), ct);
        }, ct);
        _cached = null;
        await liveUpdates.PublishFreezeChangedAsync(ct);
    }

    /// <summary>The banner's question for one cluster: may a change start there now?</summary>
    public async Task<FreezeStatus> StatusAsync(string? clusterName, CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(clusterName)) throw new ValidationFailedException(["Name the cluster: ?cluster=NAME."]);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var cluster = await db.Clusters.AsNoTracking().Where(c => c.Name == clusterName)
            .Select(c => new ClusterFacts(c.Id, c.Name, c.Environment, c.Region, c.Zone, c.Tier, c.Labels))
            .SingleOrDefaultAsync(ct) ?? throw new NotFoundException($"No cluster named '{clusterName}'.");
        return FreezeStatus.Of((await CalendarAsync(ct)).Evaluate(cluster, time.GetUtcNow()));
    }

    /// <summary>
    /// The clusters with these ids checked as one wave at <paramref name="at"/>; <paramref name="findNextOpen"/>: also when each
    /// and all are next open. <paramref name="excused"/>: windows a change was granted to run through.
    /// </summary>
    public async Task<WaveFreezeVerdict> EvaluateWaveAsync(IReadOnlyCollection<Guid> clusterIds, DateTimeOffset at, FreezePurpose purpose,
        bool findNextOpen = true, IReadOnlyCollection<Guid>? excused = null, CancellationToken ct = default)
    {
        var calendar = await CalendarAsync(ct);
        if (calendar.Windows.Count == 0 || clusterIds.Count == 0) return WaveFreezeVerdict.Open with { Clusters = clusterIds.Count };
        return calendar.EvaluateWave(await FactsAsync(clusterIds, ct), at, purpose, findNextOpen, excused);
    }

    /// <summary>What the freeze calendar needs to know of these clusters (those still registered).</summary>
    public async Task<IReadOnlyList<ClusterFacts>> FactsAsync(IReadOnlyCollection<Guid> clusterIds, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var ids = clusterIds.ToList();
        return await db.Clusters.AsNoTracking().Where(c => ids.Contains(c.Id))
            .Select(c => new ClusterFacts(c.Id, c.Name, c.Environment, c.Region, c.Zone, c.Tier, c.Labels))
            .ToListAsync(ct);
    }

    public async Task<IReadOnlyList<OccurrenceView>> OccurrencesAsync(DateTimeOffset? from, DateTimeOffset? to, CancellationToken ct = default)
    {
        var start = from ?? time.GetUtcNow();
        var end = to ?? start.AddDays(31);
        if (end <= start) throw new ValidationFailedException(["'to' must be after 'from'."]);
        if (end - start > TimeSpan.FromDays(100)) throw new ValidationFailedException(["Ask for at most 100 days of occurrences at a time."]);
        return (await CalendarAsync(ct)).Occurrences(start, end).Select(o => Occurrence(o.Window, o.Interval)).ToList();
    }

    /// <summary>The calendar as of now, rebuilt only when the windows changed or the horizon moved on.</summary>
    public async Task<FreezeCalendar> CalendarAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var count = await db.FreezeWindows.CountAsync(ct);
        var newest = await db.FreezeWindows.MaxAsync(w => (DateTimeOffset?)w.CreatedAt, ct);
        var now = time.GetUtcNow();
        if (Fresh(_cached, count, newest, now) is { } fresh) return fresh;

        await _building.WaitAsync(ct);
        try
        {
            if (Fresh(_cached, count, newest, now) is { } built) return built;
            var windows = await db.FreezeWindows.AsNoTracking().ToListAsync(ct);
            var calendar = FreezeCalendar.Build(windows, now - LookBehind, now + LookAhead);
            _cached = new Cached(windows.Count, windows.Count == 0 ? null : windows.Max(w => w.CreatedAt), now, calendar);
            return calendar;
        }
        finally
        {
            _building.Release();
        }
    }

    private static FreezeCalendar? Fresh(Cached? cached, int count, DateTimeOffset? newest, DateTimeOffset now) =>
        cached is not null && cached.Count == count && cached.Newest == newest && now - cached.BuiltAt < TimeSpan.FromDays(1) ? cached.Calendar : null;

    /// <summary>Turns a request into a window, or throws with every problem a person must fix.</summary>
    public static FreezeWindow Parse(FreezeWindowRequest request)
    {
        var problems = new List<string>();
        var zoneId = string.IsNullOrWhiteSpace(request.TimeZone) ? "UTC" : request.TimeZone.Trim();
        var zone = ZoneClock.Find(zoneId);
        var type = (request.Type ?? "deny").Trim().ToLowerInvariant() switch
        {
            "deny" or "" => FreezeType.Deny,
            "allow" => FreezeType.Allow,
            _ => (FreezeType)(-1),
        };
        var start = WallClock(request.Start, "start", zone, problems);
        if (request.Start is null) problems.Add("A start is required, e.g. \"2026-11-11T00:00\" (wall-clock time in timeZone).");
        var scope = request.Scope ?? new FreezeScope();
        var window = new FreezeWindow
        {
            Name = (request.Name ?? "").Trim(),
            Reason = (request.Reason ?? "").Trim(),
            Type = type,
            Scope = new FreezeScope
            {
                Environments = Clean(scope.Environments),
                Regions = Clean(scope.Regions),
                Tiers = (scope.Tiers ?? []).Distinct().ToList(),
                Clusters = Clean(scope.Clusters),
                Labels = (scope.Labels ?? []).ToDictionary(l => l.Key.Trim(), l => (l.Value ?? "").Trim()),
            },
            Start = start ?? default,
            End = WallClock(request.End, "end", zone, problems),
            Rrule = string.IsNullOrWhiteSpace(request.Rrule) ? null : FreezeRules.Normalize(request.Rrule),
            DurationMinutes = request.DurationMinutes,
            TimeZone = zoneId,
            BlocksRollback = request.BlocksRollback ?? false,
        };
        problems.AddRange(FreezeRules.Validate(window).Where(p => request.Start is not null || !p.Contains("must be after the start")));
        if (problems.Count > 0) throw new ValidationFailedException(problems);
        return window;
    }

    private static DateTime? WallClock(string? text, string field, TimeZoneInfo? zone, List<string> problems)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        text = text.Trim();
        if (DateTime.TryParseExact(text, WallClockFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
            return DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var instant))
            return zone is null ? instant.DateTime : ZoneClock.ToLocal(instant, zone);
        problems.Add($"{field} '{text}' is not a date and time; write e.g. \"2026-11-11T00:00\" (in timeZone) or \"2026-11-11T00:00+08:00\".");
        return null;
    }

    private static List<string> Clean(List<string>? values) =>
        (values ?? []).Select(v => (v ?? "").Trim()).Distinct(StringComparer.Ordinal).ToList();

    private static string Target(FreezeWindow window) => $"freeze-window/{window.Name}";

    private static string Summary(FreezeWindow window) =>
        $"{window.Type.ToString().ToLowerInvariant()} window '{window.Name}' ({window.Reason}): {Schedule(window)}; scope {window.Scope}"
        + (window.BlocksRollback ? "; blocks rollbacks" : "");

    public static string Schedule(FreezeWindow window) => window.Rrule is null
        ? $"{window.Start:yyyy-MM-dd HH:mm} to {window.End:yyyy-MM-dd HH:mm} {window.TimeZone}"
        : $"{window.Rrule} from {window.Start:yyyy-MM-dd HH:mm} {window.TimeZone}, {Minutes(window.DurationMinutes ?? 0)} each";

    private static string Minutes(int minutes) => minutes % 60 == 0 ? $"{minutes / 60} h" : $"{minutes} min";

    private FreezeWindowView ToView(FreezeWindow w, FreezeCalendar calendar)
    {
        var now = time.GetUtcNow();
        var upcoming = calendar.Occurrences(now, calendar.HorizonEnd).Where(o => o.Window.Id == w.Id).Take(5).Select(o => Occurrence(o.Window, o.Interval)).ToList();
        return new FreezeWindowView(w.Id, w.Name, w.Reason, w.Type.ToString().ToLowerInvariant(), w.Scope, w.Scope.ToString(),
            Local(w.Start), w.End is { } end ? Local(end) : null, w.Rrule, w.DurationMinutes, w.TimeZone, w.BlocksRollback, Schedule(w),
            w.CreatedBy, w.CreatedAt, upcoming);
    }

    private static OccurrenceView Occurrence(FreezeWindow window, FreezeInterval interval)
    {
        var zone = ZoneClock.Find(window.TimeZone) ?? TimeZoneInfo.Utc;
        return new OccurrenceView(window.Id, window.Name, window.Type.ToString().ToLowerInvariant(), interval.Start, interval.End,
            Local(ZoneClock.ToLocal(interval.Start, zone)), Local(ZoneClock.ToLocal(interval.End, zone)), window.TimeZone);
    }

    private static string Local(DateTime local) => local.ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture);
}
