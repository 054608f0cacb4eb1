// Every class starts its own portal (with Hangfire workers) and FleetSim; running them side by side would only
// make them compete for two cores and one PostgreSQL.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
