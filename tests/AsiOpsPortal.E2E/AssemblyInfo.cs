// Each collection starts a portal of its own. Hangfire keeps its storage and activator in statics, so two portals alive
// at once in one process would send each other's jobs astray: collections run one after another.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
