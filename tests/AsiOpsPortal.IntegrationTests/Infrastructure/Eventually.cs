namespace AsiOpsPortal.IntegrationTests.Infrastructure;

/// <summary>Bounded waits for outcomes that arrive asynchronously (Hangfire jobs, notifications). Never a timing assertion.</summary>
public static class Eventually
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(15);

    /// <summary>Reads until <paramref name="done"/> holds, then returns what it read; fails naming <paramref name="what"/> and the last value.</summary>
    public static async Task<T> UntilAsync<T>(Func<Task<T>> read, Func<T, bool> done, string what, TimeSpan? timeout = null)
    {
        var limit = timeout ?? DefaultTimeout;
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            var value = await read();
            if (done(value)) return value;
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"Waited {limit.TotalSeconds:0} s for {what}; the last value read was: {value}");
            await Task.Delay(100);
        }
    }

    /// <summary>Waits for <paramref name="task"/> to finish within a generous bound, so a hang fails the test instead of the run.</summary>
    public static async Task<T> WithinAsync<T>(Task<T> task, TimeSpan bound, string what)
    {
        try
        {
            return await task.WaitAsync(bound);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"{what} did not finish within {bound.TotalSeconds:0} s.");
            throw;
        }
    }
}
