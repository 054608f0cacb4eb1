using AsiOpsPortal.Core.Changes;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AsiOpsPortal.Core.Rollouts;

internal sealed class RolloutStepConfiguration : IEntityTypeConfiguration<RolloutStep>
{
    public void Configure(EntityTypeBuilder<RolloutStep> entity)
    {
        entity.ToTable("rollout_steps");
        entity.Property(s => s.ConcurrencyToken).IsRowVersion();
        entity.Property(s => s.Phase).HasConversion<string>().HasMaxLength(16);
        entity.Property(s => s.Status).HasConversion<string>().HasMaxLength(16);
        entity.HasIndex(s => new { s.ChangeId, s.Phase, s.Wave, s.ClusterId }).IsUnique();
        entity.HasOne<Change>().WithMany().HasForeignKey(s => s.ChangeId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class RolloutWaveConfiguration : IEntityTypeConfiguration<RolloutWave>
{
    public void Configure(EntityTypeBuilder<RolloutWave> entity)
    {
        entity.ToTable("rollout_waves");
        entity.Property(w => w.Phase).HasConversion<string>().HasMaxLength(16);
        entity.Property(w => w.Status).HasConversion<string>().HasMaxLength(16);
        entity.HasIndex(w => new { w.ChangeId, w.Phase, w.Index }).IsUnique();
        entity.HasOne<Change>().WithMany().HasForeignKey(w => w.ChangeId).OnDelete(DeleteBehavior.Cascade);
    }
}
