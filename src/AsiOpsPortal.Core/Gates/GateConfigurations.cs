using AsiOpsPortal.Core.Changes;
using AsiOpsPortal.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AsiOpsPortal.Core.Gates;

internal sealed class GateConfiguration : IEntityTypeConfiguration<Gate>
{
    public void Configure(EntityTypeBuilder<Gate> entity)
    {
        entity.ToTable("gates");
        entity.HasIndex(g => g.Name).IsUnique();
        entity.Property(g => g.Name).HasMaxLength(StoredText.Name);
        entity.Property(g => g.Url).HasMaxLength(StoredText.Url);
        entity.Property(g => g.Stage).HasConversion<string>().HasMaxLength(16);
        entity.Property(g => g.HeaderNames).HasJsonConversion();
    }
}

internal sealed class GateCallConfiguration : IEntityTypeConfiguration<GateCall>
{
    public void Configure(EntityTypeBuilder<GateCall> entity)
    {
        entity.ToTable("gate_calls");
        entity.Property(c => c.Stage).HasConversion<string>().HasMaxLength(16);
        entity.Property(c => c.Outcome).HasConversion<string>().HasMaxLength(16);
        entity.HasIndex(c => new { c.ChangeId, c.Stage, c.Wave });
        entity.HasOne<Change>().WithMany().HasForeignKey(c => c.ChangeId).OnDelete(DeleteBehavior.Cascade);
    }
}
