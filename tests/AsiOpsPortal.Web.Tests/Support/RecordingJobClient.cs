using System.Collections.Concurrent;
using Hangfire;
using Hangfire.Common;
using Hangfire.States;

namespace AsiOpsPortal.Web.Tests.Support;

/// <summary>Records what the portal asks Hangfire to run, without running it: tests sync explicitly instead.</summary>
public sealed class RecordingJobClient : IBackgroundJobClient
{
    private readonly ConcurrentQueue<Job> _jobs = new();

    public IReadOnlyList<Job> Jobs => _jobs.ToList();

    public string Create(Job job, IState state)
    {
        _jobs.Enqueue(job);
        return _jobs.Count.ToString();
    }

    public bool ChangeState(string jobId, IState state, string expectedState) => true;
}
