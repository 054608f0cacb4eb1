using AsiOpsPortal.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AsiOpsPortal.Core.Changes;

internal sealed class ChangeConfiguration : IEntityTypeConfiguration<Change>
{
    public void Configure(EntityTypeBuilder<Change> entity)
    {
        entity.ToTable("changes");
        entity.Property(c => c.Status).HasConversion<string>().HasMaxLength(24);
        entity.Property(c => c.RiskLevel).HasConversion<string>().HasMaxLength(16);
        entity.Property(c => c.Plan).HasJsonConversion();
        entity.Property(c => c.PlanBeforeEdit).HasJsonConversion();
        entity.Property(c => c.SchedulerPolicyName).HasMaxLength(63);
        entity.Property(c => c.Risk).HasJsonConversion();
        entity.Property(c => c.RunThrough).HasJsonConversion();
        entity.Property(c => c.ConcurrencyToken).IsRowVersion();
        entity.HasIndex(c => new { c.Status, c.UpdatedAt });
        entity.HasMany(c => c.Approvals).WithOne().HasForeignKey(a => a.ChangeId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class ApprovalConfiguration : IEntityTypeConfiguration<Approval>
{
    public void Configure(EntityTypeBuilder<Approval> entity)
    {
        entity.ToTable("approvals");
        entity.Property(a => a.Decision).HasConversion<string>().HasMaxLength(16);
        entity.Property(a => a.ApproverRole).HasMaxLength(16);
        entity.Property(a => a.Kind).HasConversion<string>().HasMaxLength(16);
        // One standing decision of each kind per person per revision: a double click cannot count twice.
        entity.HasIndex(a => new { a.ChangeId, a.Revision, a.Kind, a.Approver }).IsUnique();
    }
}
