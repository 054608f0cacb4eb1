using Hangfire;
using Hangfire.Common;
using Hangfire.States;

namespace AsiOpsPortal.Benchmarks;

/// <summary>For services built by hand around the one method a scenario measures: any job they try to queue is a mistake.</summary>
public sealed class RefusingJobClient : IBackgroundJobClient
{
    public string Create(Job job, IState state) =>
        throw new InvalidOperationException($"This benchmark queues no jobs, but {job.Type.Name}.{job.Method.Name} was queued.");

    public bool ChangeState(string jobId, IState state, string expectedState) =>
        throw new InvalidOperationException("This benchmark queues no jobs.");
}
