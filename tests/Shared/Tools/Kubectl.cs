using System.Diagnostics;

namespace AsiOpsPortal.Tests.Shared;

/// <summary>
/// Runs the real kubectl against one simulated cluster through its kubeconfig file. Linked only by the test projects
/// that check what kubectl sees, so it sits apart from the shared files every test project compiles.
/// </summary>
public sealed class Kubectl(string kubeconfig)
{
    private const string Binary = "/usr/bin/kubectl";
    private readonly string cacheDirectory = Path.Combine(Path.GetTempPath(), "kubectl-cache-" + Guid.NewGuid().ToString("N")[..8]);

    public sealed record Result(int ExitCode, string Output, string Error)
    {
        public string All => Output + Error;
    }

    public async Task<Result> RunAsync(params string[] args)
    {
        // A missing kubectl must fail loudly: these tests exist to prove kubectl works against the simulator.
        Assert.True(File.Exists(Binary), $"kubectl not found at {Binary}; install kubectl v1.32 to run the FleetSim kubectl tests.");
        var start = new ProcessStartInfo(Binary) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["KUBECONFIG"] = kubeconfig;
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.ArgumentList.Add("--cache-dir");
        start.ArgumentList.Add(cacheDirectory);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        return new Result(process.ExitCode, await output, await error);
    }

    public async Task<string> SucceedAsync(params string[] args)
    {
        var result = await RunAsync(args);
        Assert.True(result.ExitCode == 0, $"kubectl {string.Join(' ', args)} failed ({result.ExitCode}):\n{result.All}");
        return result.Output;
    }
}
