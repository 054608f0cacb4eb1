using AsiOpsPortal.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AsiOpsPortal.Core.Clusters;

internal sealed class ClusterConfiguration : IEntityTypeConfiguration<Cluster>
{
    public void Configure(EntityTypeBuilder<Cluster> entity)
    {
        entity.ToTable("clusters");
        entity.HasIndex(c => c.Name).IsUnique();
        entity.Property(c => c.Name).HasMaxLength(StoredText.Name);
        entity.Property(c => c.Environment).HasMaxLength(32);
        entity.Property(c => c.Region).HasMaxLength(StoredText.Name);
        entity.Property(c => c.Zone).HasMaxLength(StoredText.Name);
        entity.Property(c => c.Labels).HasJsonConversion();
        entity.Property(c => c.Status).HasConversion<string>().HasMaxLength(16);
        // The dashboard's default list: one environment, trouble first.
        entity.HasIndex(c => new { c.Environment, c.HealthRank, c.Name });
        entity.HasIndex(c => new { c.HealthRank, c.Name });
        entity.HasMany(c => c.Nodes).WithOne().HasForeignKey(n => n.ClusterId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class NodeConfiguration : IEntityTypeConfiguration<Node>
{
    public void Configure(EntityTypeBuilder<Node> entity)
    {
        entity.ToTable("nodes");
        entity.HasIndex(n => new { n.ClusterId, n.Name }).IsUnique();
        entity.Property(n => n.Labels).HasJsonConversion();
        entity.Property(n => n.Conditions).HasJsonConversion();
    }
}
