using System.Diagnostics;

namespace AsiOpsPortal.Benchmarks;

/// <summary>Wall-clock samples of one operation, in milliseconds.</summary>
public sealed class Latency
{
    private readonly List<double> _samples = [];

    public async Task TimeAsync(Func<Task> operation)
    {
        var watch = Stopwatch.StartNew();
        await operation();
        _samples.Add(watch.Elapsed.TotalMilliseconds);
    }

    public double Percentile(double p)
    {
        if (_samples.Count == 0) throw new InvalidOperationException("No samples.");
        var sorted = _samples.Order().ToList();
        // Nearest rank: the smallest sample with at least p of the samples at or below it.
        var rank = (int)Math.Ceiling(p / 100 * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }
}
