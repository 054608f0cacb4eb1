using AsiOpsPortal.Core.Accounts;
using AsiOpsPortal.Core.Audit;
using AsiOpsPortal.Core.Catalog;
using AsiOpsPortal.Core.Changes;
using AsiOpsPortal.Core.Clusters;
using AsiOpsPortal.Core.Defender;
using AsiOpsPortal.Core.Gates;
using AsiOpsPortal.Core.Freeze;
using AsiOpsPortal.Core.Pipelines;
using AsiOpsPortal.Core.Risk;
using AsiOpsPortal.Core.Rollouts;
using AsiOpsPortal.Core.Scheduling;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace AsiOpsPortal.Core.Data;

public class PortalDbContext(DbContextOptions<PortalDbContext> options)
    : IdentityDbContext<PortalUser>(options), IDataProtectionKeyContext
{
    public DbSet<Cluster> Clusters => Set<Cluster>();
    public DbSet<Node> Nodes => Set<Node>();
    public DbSet<ApiToken> ApiTokens => Set<ApiToken>();
    public DbSet<AuditEvent> AuditEvents => Set<AuditEvent>();
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();
    public DbSet<Component> Components => Set<Component>();
    public DbSet<ComponentVersion> ComponentVersions => Set<ComponentVersion>();
    public DbSet<ClusterRelease> ClusterReleases => Set<ClusterRelease>();
    public DbSet<Pipeline> Pipelines => Set<Pipeline>();
    public DbSet<Change> Changes => Set<Change>();
    public DbSet<Approval> Approvals => Set<Approval>();
    public DbSet<RolloutStep> RolloutSteps => Set<RolloutStep>();
    public DbSet<RolloutWave> RolloutWaves => Set<RolloutWave>();
    public DbSet<SchedulerPolicy> SchedulerPolicies => Set<SchedulerPolicy>();
    public DbSet<SchedulerPreview> SchedulerPreviews => Set<SchedulerPreview>();
    public DbSet<RiskRuleSetting> RiskRuleSettings => Set<RiskRuleSetting>();
    public DbSet<Gate> Gates => Set<Gate>();
    public DbSet<GateCall> GateCalls => Set<GateCall>();
    public DbSet<FreezeWindow> FreezeWindows => Set<FreezeWindow>();
    public DbSet<DefenderBudget> DefenderBudgets => Set<DefenderBudget>();
    public DbSet<DefenderAgentLimit> DefenderAgentLimits => Set<DefenderAgentLimit>();
    public DbSet<DefenderState> DefenderStates => Set<DefenderState>();
    public DbSet<DefenderDecision> DefenderDecisions => Set<DefenderDecision>();
    public DbSet<DefenderClusterKey> DefenderClusterKeys => Set<DefenderClusterKey>();
    public DbSet<DefenderBreakGlass> DefenderBreakGlasses => Set<DefenderBreakGlass>();
    public DbSet<DefenderCertificate> DefenderCertificates => Set<DefenderCertificate>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);

        // Each entity's mapping lives next to it, in its feature folder.
        builder.ApplyConfigurationsFromAssembly(typeof(PortalDbContext).Assembly);
    }
}
