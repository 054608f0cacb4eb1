using AsiOpsPortal.Core.Accounts;
using AsiOpsPortal.Core.Audit;
using AsiOpsPortal.Core.Catalog;
using AsiOpsPortal.Core.Changes;
using AsiOpsPortal.Core.Clusters;
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

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);

        builder.Entity<Cluster>(e =>
        {
            e.ToTable("clusters");
            e.HasIndex(c => c.Name).IsUnique();
            e.Property(c => c.Name).HasMaxLength(63);
            e.Property(c => c.Environment).HasMaxLength(32);
            e.Property(c => c.Region).HasMaxLength(63);
            e.Property(c => c.Zone).HasMaxLength(63);
            e.Property(c => c.Labels).HasJsonConversion();
            e.Property(c => c.Status).HasConversion<string>().HasMaxLength(16);
            // The dashboard's default list: one environment, trouble first.
            e.HasIndex(c => new { c.Environment, c.HealthRank, c.Name });
            e.HasIndex(c => new { c.HealthRank, c.Name });
            e.HasMany(c => c.Nodes).WithOne().HasForeignKey(n => n.ClusterId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<Node>(e =>
        {
            e.ToTable("nodes");
            e.HasIndex(n => new { n.ClusterId, n.Name }).IsUnique();
            e.Property(n => n.Labels).HasJsonConversion();
            e.Property(n => n.Conditions).HasJsonConversion();
        });

        builder.Entity<ApiToken>(e =>
        {
            e.ToTable("api_tokens");
            e.HasIndex(t => t.TokenHash).IsUnique();
            e.HasIndex(t => t.UserId);
            e.HasOne<PortalUser>().WithMany().HasForeignKey(t => t.UserId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<Component>(e =>
        {
            e.ToTable("components");
            e.HasIndex(c => c.Name).IsUnique();
            e.Property(c => c.Name).HasMaxLength(63);
            e.Property(c => c.Namespace).HasMaxLength(63);
            e.HasMany(c => c.Versions).WithOne().HasForeignKey(v => v.ComponentId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<ComponentVersion>(e =>
        {
            e.ToTable("component_versions");
            e.HasIndex(v => new { v.ComponentId, v.Version }).IsUnique();
            e.Property(v => v.Version).HasMaxLength(128);
        });

        builder.Entity<ClusterRelease>(e =>
        {
            e.ToTable("cluster_releases");
            e.HasKey(r => new { r.ClusterId, r.ComponentId });
            e.HasIndex(r => r.ComponentId);
            e.HasOne<Cluster>().WithMany().HasForeignKey(r => r.ClusterId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<Component>().WithMany().HasForeignKey(r => r.ComponentId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<Pipeline>(e =>
        {
            e.ToTable("pipelines");
            e.HasIndex(p => p.Name).IsUnique();
            e.Property(p => p.Name).HasMaxLength(63);
            e.Property(p => p.Waves).HasJsonConversion();
            e.Property(p => p.Then).HasJsonConversion();
            e.Property(p => p.ConcurrencyToken).IsRowVersion();
        });

        builder.Entity<Change>(e =>
        {
            e.ToTable("changes");
            e.Property(c => c.Status).HasConversion<string>().HasMaxLength(24);
            e.Property(c => c.RiskLevel).HasConversion<string>().HasMaxLength(16);
            e.Property(c => c.Plan).HasJsonConversion();
            e.Property(c => c.PlanBeforeEdit).HasJsonConversion();
            e.Property(c => c.SchedulerPolicyName).HasMaxLength(63);
            e.Property(c => c.Risk).HasJsonConversion();
            e.Property(c => c.RunThrough).HasJsonConversion();
            e.Property(c => c.ConcurrencyToken).IsRowVersion();
            e.HasIndex(c => new { c.Status, c.UpdatedAt });
            e.HasMany(c => c.Approvals).WithOne().HasForeignKey(a => a.ChangeId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<Approval>(e =>
        {
            e.ToTable("approvals");
            e.Property(a => a.Decision).HasConversion<string>().HasMaxLength(16);
            e.Property(a => a.ApproverRole).HasMaxLength(16);
            e.Property(a => a.Kind).HasConversion<string>().HasMaxLength(16);
            // One standing decision of each kind per person per revision: a double click cannot count twice.
            e.HasIndex(a => new { a.ChangeId, a.Revision, a.Kind, a.Approver }).IsUnique();
        });

        builder.Entity<RolloutStep>(e =>
        {
            e.ToTable("rollout_steps");
            e.Property(s => s.ConcurrencyToken).IsRowVersion();
            e.Property(s => s.Phase).HasConversion<string>().HasMaxLength(16);
            e.Property(s => s.Status).HasConversion<string>().HasMaxLength(16);
            e.HasIndex(s => new { s.ChangeId, s.Phase, s.Wave, s.ClusterId }).IsUnique();
            e.HasOne<Change>().WithMany().HasForeignKey(s => s.ChangeId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<RolloutWave>(e =>
        {
            e.ToTable("rollout_waves");
            e.Property(w => w.Phase).HasConversion<string>().HasMaxLength(16);
            e.Property(w => w.Status).HasConversion<string>().HasMaxLength(16);
            e.HasIndex(w => new { w.ChangeId, w.Phase, w.Index }).IsUnique();
            e.HasOne<Change>().WithMany().HasForeignKey(w => w.ChangeId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<SchedulerPolicy>(e =>
        {
            e.ToTable("scheduler_policies");
            e.HasIndex(p => p.Name).IsUnique();
            e.Property(p => p.Name).HasMaxLength(63);
            e.Property(p => p.Filters).HasJsonConversion();
            e.Property(p => p.Weights).HasJsonConversion();
            e.Property(p => p.Shaping).HasJsonConversion();
            e.Property(p => p.ConcurrencyToken).IsRowVersion();
        });

        builder.Entity<SchedulerPreview>(e =>
        {
            e.ToTable("scheduler_previews");
            e.HasKey(p => p.PolicyId);
            e.Property(p => p.Plan).HasJsonConversion();
            e.HasOne<SchedulerPolicy>().WithOne().HasForeignKey<SchedulerPreview>(p => p.PolicyId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<RiskRuleSetting>(e =>
        {
            e.ToTable("risk_rule_settings");
            e.HasKey(r => r.Rule);
            e.Property(r => r.Rule).HasMaxLength(63);
            e.Property(r => r.Severity).HasConversion<string>().HasMaxLength(16);
            e.Property(r => r.Parameters).HasJsonConversion();
        });

        builder.Entity<Gate>(e =>
        {
            e.ToTable("gates");
            e.HasIndex(g => g.Name).IsUnique();
            e.Property(g => g.Name).HasMaxLength(63);
            e.Property(g => g.Url).HasMaxLength(2048);
            e.Property(g => g.Stage).HasConversion<string>().HasMaxLength(16);
            e.Property(g => g.HeaderNames).HasJsonConversion();
        });

        builder.Entity<GateCall>(e =>
        {
            e.ToTable("gate_calls");
            e.Property(c => c.Stage).HasConversion<string>().HasMaxLength(16);
            e.Property(c => c.Outcome).HasConversion<string>().HasMaxLength(16);
            e.HasIndex(c => new { c.ChangeId, c.Stage, c.Wave });
            e.HasOne<Change>().WithMany().HasForeignKey(c => c.ChangeId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<FreezeWindow>(e =>
        {
            e.ToTable("freeze_windows");
            e.Property(w => w.Name).HasMaxLength(FreezeRules.MaxNameLength);
            e.Property(w => w.Reason).HasMaxLength(FreezeRules.MaxReasonLength);
            e.Property(w => w.Type).HasConversion<string>().HasMaxLength(8);
            e.Property(w => w.Scope).HasJsonConversion();
            // Wall-clock times in the window's own zone, not instants.
            e.Property(w => w.Start).HasColumnType("timestamp without time zone");
            e.Property(w => w.End).HasColumnType("timestamp without time zone");
            e.Property(w => w.Rrule).HasMaxLength(500);
            e.Property(w => w.TimeZone).HasMaxLength(64);
            e.HasIndex(w => w.CreatedAt);
        });

        builder.Entity<AuditEvent>(e =>
        {
            e.ToTable("audit_events");
            e.HasIndex(a => a.At);
            e.HasIndex(a => a.Action);
            e.HasIndex(a => a.Actor);
        });
    }
}
