using AsiOpsPortal.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AsiOpsPortal.Core.Defender;

internal sealed class DefenderBudgetConfiguration : IEntityTypeConfiguration<DefenderBudget>
{
    public void Configure(EntityTypeBuilder<DefenderBudget> entity)
    {
        entity.ToTable("defender_budgets");
        entity.HasIndex(b => b.Name).IsUnique();
        entity.Property(b => b.Name).HasMaxLength(DefenderRules.MaxNameLength);
        entity.Property(b => b.Scope).HasJsonConversion();
        entity.Property(b => b.Resources).HasJsonConversion();
        entity.Property(b => b.Verbs).HasJsonConversion();
        entity.Property(b => b.Limits).HasJsonConversion();
        entity.Property(b => b.Breaker).HasJsonConversion();
        entity.Property(b => b.Mode).HasConversion<string>().HasMaxLength(8);
    }
}

internal sealed class DefenderAgentLimitConfiguration : IEntityTypeConfiguration<DefenderAgentLimit>
{
    public void Configure(EntityTypeBuilder<DefenderAgentLimit> entity)
    {
        entity.ToTable("defender_agent_limits");
        entity.Property(l => l.Pattern).HasMaxLength(256);
        entity.Property(l => l.Resource).HasMaxLength(253);
        entity.Property(l => l.Verb).HasMaxLength(16);
        entity.HasIndex(l => new { l.Pattern, l.Resource, l.Verb }).IsUnique();
    }
}

internal sealed class DefenderStateConfiguration : IEntityTypeConfiguration<DefenderState>
{
    public void Configure(EntityTypeBuilder<DefenderState> entity)
    {
        // One row per budget or agent limit, made with it and removed with it; the row lock is what serialises spending.
        entity.ToTable("defender_states");
        entity.HasKey(s => s.Id);
        entity.Property(s => s.Id).ValueGeneratedNever();
        entity.Property(s => s.Spends).HasJsonConversion();
        entity.Property(s => s.BreakerCause).HasMaxLength(500);
    }
}

internal sealed class DefenderDecisionConfiguration : IEntityTypeConfiguration<DefenderDecision>
{
    public void Configure(EntityTypeBuilder<DefenderDecision> entity)
    {
        entity.ToTable("defender_decisions");
        // What a cluster sends (names, user agents) is stored as text of any length: a long name must not fail the decision.
        entity.Property(d => d.Verb).HasMaxLength(16);
        entity.Property(d => d.Budget).HasMaxLength(DefenderRules.MaxNameLength);
        entity.Property(d => d.Window).HasMaxLength(8);
        // "Recent" (and retention's cleanup) read by time; "refused in this cluster lately" by cluster, outcome and time.
        entity.HasIndex(d => d.At);
        entity.HasIndex(d => new { d.Cluster, d.Allowed, d.At });
    }
}

internal sealed class DefenderClusterKeyConfiguration : IEntityTypeConfiguration<DefenderClusterKey>
{
    public void Configure(EntityTypeBuilder<DefenderClusterKey> entity)
    {
        entity.ToTable("defender_cluster_keys");
        entity.HasKey(k => k.ClusterId);
        entity.HasOne<Clusters.Cluster>().WithOne().HasForeignKey<DefenderClusterKey>(k => k.ClusterId).OnDelete(DeleteBehavior.Cascade);
        entity.Property(k => k.TokenHash).HasMaxLength(64);
        entity.HasIndex(k => k.TokenHash).IsUnique();
        entity.Property(k => k.CreatedBy).HasMaxLength(Data.StoredText.ShortText);
    }
}

internal sealed class DefenderBreakGlassConfiguration : IEntityTypeConfiguration<DefenderBreakGlass>
{
    public void Configure(EntityTypeBuilder<DefenderBreakGlass> entity)
    {
        entity.ToTable("defender_break_glass");
        entity.HasOne<Clusters.Cluster>().WithMany().HasForeignKey(b => b.ClusterId).OnDelete(DeleteBehavior.Cascade);
        entity.Property(b => b.Reason).HasMaxLength(Data.StoredText.Text);
        entity.Property(b => b.StartedBy).HasMaxLength(Data.StoredText.ShortText);
        entity.Property(b => b.EndedBy).HasMaxLength(Data.StoredText.ShortText);
        // "Is the glass broken now" reads by the end time.
        entity.HasIndex(b => b.EndsAt);
    }
}

internal sealed class DefenderCertificateConfiguration : IEntityTypeConfiguration<DefenderCertificate>
{
    public void Configure(EntityTypeBuilder<DefenderCertificate> entity)
    {
        entity.ToTable("defender_certificates");
        entity.Property(c => c.Id).ValueGeneratedNever();
    }
}
