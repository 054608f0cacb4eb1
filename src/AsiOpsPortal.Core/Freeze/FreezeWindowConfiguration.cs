using AsiOpsPortal.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AsiOpsPortal.Core.Freeze;

internal sealed class FreezeWindowConfiguration : IEntityTypeConfiguration<FreezeWindow>
{
    public void Configure(EntityTypeBuilder<FreezeWindow> entity)
    {
        entity.ToTable("freeze_windows");
        entity.Property(w => w.Name).HasMaxLength(FreezeRules.MaxNameLength);
        entity.Property(w => w.Reason).HasMaxLength(FreezeRules.MaxReasonLength);
        entity.Property(w => w.Type).HasConversion<string>().HasMaxLength(8);
        entity.Property(w => w.Scope).HasJsonConversion();
        // Wall-clock times in the window's own zone, not instants.
        entity.Property(w => w.Start).HasColumnType("timestamp without time zone");
        entity.Property(w => w.End).HasColumnType("timestamp without time zone");
        entity.Property(w => w.Rrule).HasMaxLength(500);
        entity.Property(w => w.TimeZone).HasMaxLength(64);
        entity.HasIndex(w => w.CreatedAt);
    }
}
