using System.Numerics;
using AsiOpsPortal.Core.Pipelines;

namespace AsiOpsPortal.Core.Freeze;

/// <summary>
/// Freeze windows expanded to instants over a horizon and indexed for fast checks. Deny wins over allow: a cluster is
/// frozen inside any deny window that covers it, and, where any allow window covers it, outside every allow window that
/// does. Scopes are indexed as bitsets over the windows per environment, region, tier and name, so checking a wave of
/// thousands of clusters against a thousand windows costs a few AND operations per cluster, and clusters that match the
/// same windows share one answer. Immutable, so one instance can serve every thread.
/// </summary>
public sealed class FreezeCalendar
{
    private const int MaxSteps = 10_000;
    /// <summary>How many times the search for a wave's common open instant may jump ahead before it gives up.</summary>
    private const int MaxCommonOpenJumps = 500;

    private readonly Compiled[] _windows;
    private readonly int _width;
    private readonly ulong[] _allow, _rollback, _multiLabelled, _all;
    /// <summary>Windows naming no label, and per label pair the windows whose first required label it is.</summary>
    private readonly ulong[] _noLabels;
    private readonly Dictionary<(string Key, string Value), ulong[]> _byFirstLabel = [];
    private readonly Dimension<string> _environments, _regions, _names;
    private readonly Dimension<int> _tiers;

    public DateTimeOffset HorizonStart { get; }
    public DateTimeOffset HorizonEnd { get; }
    public IReadOnlyList<FreezeWindow> Windows { get; }

    public static readonly FreezeCalendar Empty = Build([], DateTimeOffset.MinValue.AddYears(1), DateTimeOffset.MaxValue.AddYears(-1));

    private FreezeCalendar(IReadOnlyList<Compiled> windows, DateTimeOffset from, DateTimeOffset until)
    {
        _windows = [.. windows];
        Windows = _windows.Select(w => w.Window).ToList();
        HorizonStart = from;
        HorizonEnd = until;
        _width = Math.Max(1, (_windows.Length + 63) / 64);
        _allow = NewMask();
        _rollback = NewMask();
        _multiLabelled = NewMask();
        _noLabels = NewMask();
        _all = NewMask();
        _environments = new Dimension<string>(_width, StringComparer.Ordinal);
        _regions = new Dimension<string>(_width, StringComparer.Ordinal);
        _names = new Dimension<string>(_width, StringComparer.Ordinal);
        _tiers = new Dimension<int>(_width, EqualityComparer<int>.Default);
        for (var i = 0; i < _windows.Length; i++)
        {
            var window = _windows[i].Window;
            Set(_all, i);
            if (window.Type == FreezeType.Allow) Set(_allow, i);
            if (window.BlocksRollback) Set(_rollback, i);
            if (window.Scope.Labels.Count == 0) Set(_noLabels, i);
            else
            {
                var first = window.Scope.Labels.OrderBy(l => l.Key, StringComparer.Ordinal).First();
                if (!_byFirstLabel.TryGetValue((first.Key, first.Value), out var mask)) _byFirstLabel[(first.Key, first.Value)] = mask = NewMask();
                Set(mask, i);
                if (window.Scope.Labels.Count > 1) Set(_multiLabelled, i);
            }
            _environments.Add(i, window.Scope.Environments);
            _regions.Add(i, window.Scope.Regions);
            _names.Add(i, window.Scope.Clusters);
            _tiers.Add(i, window.Scope.Tiers);
        }
        _environments.Seal();
        _regions.Seal();
        _names.Seal();
        _tiers.Seal();
    }

    /// <summary>Expands every window's occurrences between <paramref name="from"/> and <paramref name="until"/>; answers beyond that say "not within the horizon".</summary>
    public static FreezeCalendar Build(IEnumerable<FreezeWindow> windows, DateTimeOffset from, DateTimeOffset until)
    {
        var compiled = windows
            .Where(w => FreezeRules.Validate(w).Count == 0)
            .Select(w => new Compiled(w, FreezeRules.Occurrences(w, from, until)))
            .ToList();
        return new FreezeCalendar(compiled, from, until);
    }

    /// <summary>Every occurrence between <paramref name="from"/> and <paramref name="until"/> (within the horizon), by start.</summary>
    public IReadOnlyList<(FreezeWindow Window, FreezeInterval Interval)> Occurrences(DateTimeOffset from, DateTimeOffset until) =>
        _windows.SelectMany(w => w.Intervals.Where(i => i.End > from && i.Start < until).Select(i => (w.Window, i)))
            .OrderBy(o => o.i.Start).ToList();

    /// <summary>The windows whose scope covers <paramref name="cluster"/>, whatever the time.</summary>
    public IReadOnlyList<FreezeWindow> Covering(ClusterFacts cluster)
    {
        var mask = NewMask();
        Match(cluster, mask, _all);
        return Bits(mask).Select(i => _windows[i].Window).ToList();
    }

    /// <param name="excused">Windows that do not count: those a change was granted to run through.</param>
    public FreezeVerdict Evaluate(ClusterFacts cluster, DateTimeOffset at, FreezePurpose purpose = FreezePurpose.Rollout,
        IReadOnlyCollection<Guid>? excused = null)
    {
        var mask = NewMask();
        Match(cluster, mask, Applying(purpose, excused));
        return IsFrozen(mask, at.UtcTicks) ? Explain(mask, at) : FreezeVerdict.Open;
    }

    /// <summary>The windows with an occurrence running at <paramref name="ticks"/>: deny and allow apart.</summary>
    private (ulong[] Deny, ulong[] Allow) ActiveAt(long ticks)
    {
        var deny = NewMask();
        var allow = NewMask();
        for (var i = 0; i < _windows.Length; i++)
            if (_windows[i].ActiveAt(ticks) >= 0) Set(_windows[i].IsAllow ? allow : deny, i);
        return (deny, allow);
    }

    /// <summary>Frozen when an active deny window covers it, or allow windows cover it and none is active: a few ANDs.</summary>
    private bool IsFrozen(ReadOnlySpan<ulong> mask, (ulong[] Deny, ulong[] Allow) active)
    {
        var coveredByAllow = false;
        var insideAllow = false;
        for (var k = 0; k < mask.Length; k++)
        {
            if ((mask[k] & active.Deny[k]) != 0) return true;
            coveredByAllow |= (mask[k] & _allow[k]) != 0;
            insideAllow |= (mask[k] & active.Allow[k]) != 0;
        }
        return coveredByAllow && !insideAllow;
    }

    /// <summary>
    /// A wave's clusters checked together: which are frozen, why and until when the holding window holds them; and, with
    /// <paramref name="findNextOpen"/>, when each is next open and the earliest instant at which all of them are open at
    /// once. A rollout does not need those (it checks again when a window lets go), only people planning do, and they cost
    /// far more when windows chain.
    /// </summary>
    /// <param name="excused">Windows that do not count: those a change was granted to run through.</param>
    public WaveFreezeVerdict EvaluateWave(IReadOnlyList<ClusterFacts> clusters, DateTimeOffset at, FreezePurpose purpose = FreezePurpose.Rollout,
        bool findNextOpen = true, IReadOnlyCollection<Guid>? excused = null)
    {
        if (clusters.Count == 0 || _windows.Length == 0) return WaveFreezeVerdict.Open with { Clusters = clusters.Count };
        var groups = Group(clusters, Applying(purpose, excused), out var groupOf);
        var active = ActiveAt(at.UtcTicks);
        var verdicts = new FreezeVerdict?[groups.Count];
        var frozen = new List<ClusterFreeze>(clusters.Count);
        for (var c = 0; c < clusters.Count; c++)
        {
            var g = groupOf[c];
            verdicts[g] ??= IsFrozen(groups[g], active) ? Explain(groups[g], at, findNextOpen, active.Deny) : FreezeVerdict.Open;
            if (verdicts[g]!.Frozen) frozen.Add(new ClusterFreeze(clusters[c].Name, verdicts[g]!));
        }
        if (frozen.Count == 0) return new WaveFreezeVerdict(false, clusters.Count, [], null);
        return new WaveFreezeVerdict(true, clusters.Count, frozen, findNextOpen ? CommonOpen(groups, verdicts, at) : null);
    }

    /// <summary>
    /// The earliest instant from <paramref name="at"/> at which every group is open: jump to the latest next-open until none
    /// is frozen. A group's next-open stays valid while the search is before it (it is frozen all the way there), so each
    /// jump re-examines only the groups that opened; null when the search runs past the horizon or its jump budget.
    /// </summary>
    private DateTimeOffset? CommonOpen(IReadOnlyList<ulong[]> groups, FreezeVerdict?[] verdicts, DateTimeOffset at)
    {
        var current = at.UtcTicks;
        // Per group: known frozen until this instant (0: not known to be frozen after 'current').
        var frozenUntil = new long[groups.Count];
        for (var g = 0; g < groups.Count; g++)
            if (verdicts[g] is { Frozen: true } v) frozenUntil[g] = v.NextOpen?.UtcTicks ?? long.MaxValue;
        for (var jump = 0; jump < MaxCommonOpenJumps; jump++)
        {
            long latest = 0;
            for (var g = 0; g < groups.Count; g++)
            {
                if (frozenUntil[g] <= current)
                    frozenUntil[g] = IsFrozen(groups[g], current) ? NextOpenTicks(groups[g], current) ?? long.MaxValue : 0;
                latest = Math.Max(latest, frozenUntil[g]);
            }
            if (latest <= current) return new DateTimeOffset(current, TimeSpan.Zero);
            if (latest == long.MaxValue) return null;
            current = latest;
        }
        return null;
    }

    /// <summary>The windows that count for <paramref name="purpose"/>, less the <paramref name="excused"/> ones.</summary>
    private ulong[] Applying(FreezePurpose purpose, IReadOnlyCollection<Guid>? excused)
    {
        var applies = purpose == FreezePurpose.Rollback ? _rollback : _all;
        if (excused is not { Count: > 0 }) return applies;
        applies = [.. applies];
        for (var i = 0; i < _windows.Length; i++)
            if (excused.Contains(_windows[i].Window.Id)) applies[i / 64] &= ~(1UL << (i % 64));
        return applies;
    }

    private List<ulong[]> Group(IReadOnlyList<ClusterFacts> clusters, ulong[] applies, out int[] groupOf)
    {
        var groups = new List<ulong[]>();
        var byHash = new Dictionary<ulong, List<int>>();
        groupOf = new int[clusters.Count];
        Span<ulong> mask = _width <= 64 ? stackalloc ulong[_width] : new ulong[_width];
        for (var c = 0; c < clusters.Count; c++)
        {
            Match(clusters[c], mask, applies);
            var hash = Hash(mask);
            if (!byHash.TryGetValue(hash, out var candidates)) byHash[hash] = candidates = [];
            var found = -1;
            foreach (var g in candidates)
                if (mask.SequenceEqual(groups[g])) { found = g; break; }
            if (found < 0)
            {
                found = groups.Count;
                groups.Add(mask.ToArray());
                candidates.Add(found);
            }
            groupOf[c] = found;
        }
        return groups;
    }

    /// <summary>Sets <paramref name="mask"/> to the windows of <paramref name="applies"/> whose scope covers <paramref name="cluster"/>.</summary>
    private void Match(ClusterFacts cluster, Span<ulong> mask, ulong[] applies)
    {
        var environment = _environments.Accepting(cluster.Environment);
        var region = _regions.Accepting(cluster.Region);
        var name = _names.Accepting(cluster.Name);
        var tier = _tiers.Accepting(cluster.Tier);
        Span<ulong> labels = _width <= 64 ? stackalloc ulong[_width] : new ulong[_width];
        _noLabels.CopyTo(labels);
        foreach (var (key, value) in cluster.Labels)
            if (_byFirstLabel.TryGetValue((key, value), out var byLabel))
                for (var k = 0; k < _width; k++) labels[k] |= byLabel[k];
        for (var k = 0; k < _width; k++)
        {
            var bits = environment[k] & region[k] & name[k] & tier[k] & applies[k] & labels[k];
            // A window requiring one label matched by the index; only those requiring several need a closer look.
            var labelled = bits & _multiLabelled[k];
            while (labelled != 0)
            {
                var bit = BitOperations.TrailingZeroCount(labelled);
                labelled &= labelled - 1;
                if (!HasLabels(cluster, _windows[k * 64 + bit].Window.Scope.Labels)) bits &= ~(1UL << bit);
            }
            mask[k] = bits;
        }
    }

    private static bool HasLabels(ClusterFacts cluster, Dictionary<string, string> required)
    {
        foreach (var (key, value) in required)
            if (!cluster.Labels.TryGetValue(key, out var actual) || actual != value) return false;
        return true;
    }

    private bool IsFrozen(ReadOnlySpan<ulong> mask, long ticks)
    {
        var coveredByAllow = false;
        var insideAllow = false;
        for (var k = 0; k < mask.Length; k++)
        {
            var bits = mask[k];
            while (bits != 0)
            {
                var bit = BitOperations.TrailingZeroCount(bits);
                bits &= bits - 1;
                var window = _windows[k * 64 + bit];
                var active = window.ActiveAt(ticks) >= 0;
                if (!window.IsAllow) { if (active) return true; continue; }
                coveredByAllow = true;
                insideAllow |= active;
            }
        }
        return coveredByAllow && !insideAllow;
    }

    private FreezeVerdict Explain(ulong[] mask, DateTimeOffset at, bool findNextOpen = true, ulong[]? activeDeny = null)
    {
        var ticks = at.UtcTicks;
        Compiled? holding = null;
        long until = 0;
        // A deny window holds the cluster: name the one that holds it longest.
        foreach (var i in Bits(activeDeny is null ? mask : And(mask, activeDeny)))
        {
            var w = _windows[i];
            if (w.IsAllow || w.ActiveAt(ticks) is not (>= 0 and var occurrence)) continue;
            if (holding is null || w.Ends[occurrence] > until) (holding, until) = (w, w.Ends[occurrence]);
        }
        if (holding is null)
        {
            // Outside every allow window that covers it: name the one that opens first.
            long? opens = null;
            foreach (var i in Bits(And(mask, _allow)))
            {
                var w = _windows[i];
                if (!w.IsAllow) continue;
                var start = w.NextStart(ticks);
                if (holding is null || (start is { } s && (opens is null || s < opens))) (holding, opens) = (w, start);
            }
            until = opens ?? HorizonEnd.UtcTicks;
            if (opens is null) return Verdict(holding!, null, findNextOpen ? NextOpenTicks(mask, ticks) : null);
        }
        return Verdict(holding!, until, findNextOpen ? NextOpenTicks(mask, ticks) : null);
    }

    private static FreezeVerdict Verdict(Compiled holding, long? until, long? nextOpen) => new(
        true, holding.Window.Id, holding.Window.Name, holding.Window.Reason, holding.Window.Type, holding.Window.TimeZone,
        until is { } u ? new DateTimeOffset(u, TimeSpan.Zero) : null,
        nextOpen is { } n ? new DateTimeOffset(n, TimeSpan.Zero) : null);

    /// <summary>The first instant from <paramref name="ticks"/> at which no covering deny window is active and, if allow windows cover it, one of them is.</summary>
    private long? NextOpenTicks(ulong[] mask, long ticks)
    {
        var current = ticks;
        var horizon = HorizonEnd.UtcTicks;
        var anyAllow = false;
        for (var k = 0; k < mask.Length; k++) anyAllow |= (mask[k] & _allow[k]) != 0;
        for (var step = 0; step < MaxSteps && current < horizon; step++)
        {
            long? denyEnds = null;
            var insideAllow = false;
            long? allowOpens = null;
            foreach (var i in Bits(mask))
            {
                var w = _windows[i];
                var occurrence = w.ActiveAt(current);
                if (!w.IsAllow)
                {
                    if (occurrence >= 0) denyEnds = Math.Max(denyEnds ?? 0, w.Ends[occurrence]);
                    continue;
                }
                if (occurrence >= 0) insideAllow = true;
                else if (w.NextStart(current) is { } s) allowOpens = Math.Min(allowOpens ?? long.MaxValue, s);
            }
            if (denyEnds is { } end) { current = end; continue; }
            if (!anyAllow || insideAllow) return current;
            if (allowOpens is not { } opens) return null;
            current = opens;
        }
        return null;
    }

    private IEnumerable<int> Bits(ulong[] mask)
    {
        for (var k = 0; k < mask.Length; k++)
        {
            var bits = mask[k];
            while (bits != 0)
            {
                yield return k * 64 + BitOperations.TrailingZeroCount(bits);
                bits &= bits - 1;
            }
        }
    }

    private static ulong[] And(ulong[] a, ulong[] b)
    {
        var result = new ulong[a.Length];
        for (var k = 0; k < a.Length; k++) result[k] = a[k] & b[k];
        return result;
    }

    private static ulong Hash(ReadOnlySpan<ulong> mask)
    {
        var hash = 14695981039346656037UL;
        foreach (var word in mask) hash = (hash ^ word) * 1099511628211UL;
        return hash;
    }

    private ulong[] NewMask() => new ulong[_width];

    private static void Set(ulong[] mask, int i) => mask[i / 64] |= 1UL << (i % 64);

    /// <summary>One window with its occurrences as sorted, non-overlapping UTC tick ranges.</summary>
    private sealed class Compiled(FreezeWindow window, IReadOnlyList<FreezeInterval> intervals)
    {
        public FreezeWindow Window { get; } = window;
        public IReadOnlyList<FreezeInterval> Intervals { get; } = intervals;
        public bool IsAllow { get; } = window.Type == FreezeType.Allow;
        public long[] Starts { get; } = intervals.Select(i => i.Start.UtcTicks).ToArray();
        public long[] Ends { get; } = intervals.Select(i => i.End.UtcTicks).ToArray();

        /// <summary>The index of the occurrence containing <paramref name="ticks"/>, or -1.</summary>
        public int ActiveAt(long ticks)
        {
            var index = Array.BinarySearch(Starts, ticks);
            if (index < 0) index = ~index - 1;
            return index >= 0 && Ends[index] > ticks ? index : -1;
        }

        /// <summary>The first occurrence start after <paramref name="ticks"/>, or null.</summary>
        public long? NextStart(long ticks)
        {
            var index = Array.BinarySearch(Starts, ticks);
            index = index < 0 ? ~index : index + 1;
            return index < Starts.Length ? Starts[index] : null;
        }
    }

    /// <summary>For one scope dimension: per value, the windows that accept it (those listing it, and those not restricting the dimension).</summary>
    private sealed class Dimension<T>(int width, IEqualityComparer<T> comparer) where T : notnull
    {
        private readonly ulong[] _unrestricted = new ulong[width];
        private readonly Dictionary<T, ulong[]> _listing = new(comparer);

        public void Add(int window, IReadOnlyCollection<T> values)
        {
            if (values.Count == 0) { Set(_unrestricted, window); return; }
            foreach (var value in values)
            {
                if (!_listing.TryGetValue(value, out var mask)) _listing[value] = mask = new ulong[width];
                Set(mask, window);
            }
        }

        /// <summary>Folds the unrestricted windows into every value's mask so a lookup is one dictionary hit.</summary>
        public void Seal()
        {
            foreach (var mask in _listing.Values)
                for (var k = 0; k < width; k++) mask[k] |= _unrestricted[k];
        }

        public ulong[] Accepting(T value) => _listing.TryGetValue(value, out var mask) ? mask : _unrestricted;
    }
}
