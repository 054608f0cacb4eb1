using System.Runtime.InteropServices;
using AsiOpsPortal.FleetSim;
using AsiOpsPortal.FleetSim.Hosting;

var options = CommandLine.Parse(args);
await using var simulator = await FleetSimulator.StartAsync(options);
Console.WriteLine($"FleetSim listening on {simulator.BaseUrl} with {simulator.Clusters.Count} clusters ({options.Fleet} fleet)");
Console.WriteLine($"Cluster API servers: {simulator.BaseUrl}/clusters/NAME; controls: {simulator.BaseUrl}/admin/clusters");
if (options.KubeconfigDirectory is { } directory) Console.WriteLine($"Kubeconfigs and fleet.json written to {Path.GetFullPath(directory)}");

var stopped = new TaskCompletionSource();
using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
await stopped.Task;

void Stop(PosixSignalContext context)
{
    context.Cancel = true;
    stopped.TrySetResult();
}

/// <summary>Internal, so test projects that reference both FleetSim and the portal see one Program.</summary>
internal partial class Program;
