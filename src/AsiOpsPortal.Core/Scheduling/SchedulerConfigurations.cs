using AsiOpsPortal.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AsiOpsPortal.Core.Scheduling;

internal sealed class SchedulerPolicyConfiguration : IEntityTypeConfiguration<SchedulerPolicy>
{
    public void Configure(EntityTypeBuilder<SchedulerPolicy> entity)
    {
        entity.ToTable("scheduler_policies");
        entity.HasIndex(p => p.Name).IsUnique();
        entity.Property(p => p.Name).HasMaxLength(StoredText.Name);
        entity.Property(p => p.Filters).HasJsonConversion();
        entity.Property(p => p.Weights).HasJsonConversion();
        entity.Property(p => p.Shaping).HasJsonConversion();
        entity.Property(p => p.ConcurrencyToken).IsRowVersion();
    }
}

internal sealed class SchedulerPreviewConfiguration : IEntityTypeConfiguration<SchedulerPreview>
{
    public void Configure(EntityTypeBuilder<SchedulerPreview> entity)
    {
        entity.ToTable("scheduler_previews");
        entity.HasKey(p => p.PolicyId);
        entity.Property(p => p.Plan).HasJsonConversion();
        entity.HasOne<SchedulerPolicy>().WithOne().HasForeignKey<SchedulerPreview>(p => p.PolicyId).OnDelete(DeleteBehavior.Cascade);
    }
}
