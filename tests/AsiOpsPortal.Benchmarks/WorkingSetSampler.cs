using System.Diagnostics;

namespace AsiOpsPortal.Benchmarks;

/// <summary>The process's highest working set while it runs, sampled every 20 ms.</summary>
public sealed class WorkingSetSampler : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private long _peak;

    public WorkingSetSampler()
    {
        _peak = Current;
        _loop = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
            while (await timer.WaitForNextTickAsync(_stop.Token).AsTask().ContinueWith(t => t is { IsCompletedSuccessfully: true, Result: true }))
                Interlocked.Exchange(ref _peak, Math.Max(Interlocked.Read(ref _peak), Current));
        });
    }

    public long Current
    {
        get
        {
            using var process = Process.GetCurrentProcess();
            return process.WorkingSet64;
        }
    }

    public long Stop()
    {
        _stop.Cancel();
        _loop.GetAwaiter().GetResult();
        return Math.Max(Interlocked.Read(ref _peak), Current);
    }

    public void Dispose()
    {
        if (!_stop.IsCancellationRequested) Stop();
        _stop.Dispose();
    }
}
