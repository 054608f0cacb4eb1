using AsiOpsPortal.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AsiOpsPortal.Core.Pipelines;

internal sealed class PipelineConfiguration : IEntityTypeConfiguration<Pipeline>
{
    public void Configure(EntityTypeBuilder<Pipeline> entity)
    {
        entity.ToTable("pipelines");
        entity.HasIndex(p => p.Name).IsUnique();
        entity.Property(p => p.Name).HasMaxLength(StoredText.Name);
        entity.Property(p => p.Waves).HasJsonConversion();
        entity.Property(p => p.Then).HasJsonConversion();
        entity.Property(p => p.ConcurrencyToken).IsRowVersion();
    }
}
