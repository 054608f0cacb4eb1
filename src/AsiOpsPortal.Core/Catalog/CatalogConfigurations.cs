using AsiOpsPortal.Core.Clusters;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AsiOpsPortal.Core.Catalog;

internal sealed class ComponentConfiguration : IEntityTypeConfiguration<Component>
{
    public void Configure(EntityTypeBuilder<Component> entity)
    {
        entity.ToTable("components");
        entity.HasIndex(c => c.Name).IsUnique();
        entity.Property(c => c.Name).HasMaxLength(63);
        entity.Property(c => c.Namespace).HasMaxLength(63);
        entity.HasMany(c => c.Versions).WithOne().HasForeignKey(v => v.ComponentId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class ComponentVersionConfiguration : IEntityTypeConfiguration<ComponentVersion>
{
    public void Configure(EntityTypeBuilder<ComponentVersion> entity)
    {
        entity.ToTable("component_versions");
        entity.HasIndex(v => new { v.ComponentId, v.Version }).IsUnique();
        entity.Property(v => v.Version).HasMaxLength(128);
    }
}

internal sealed class ClusterReleaseConfiguration : IEntityTypeConfiguration<ClusterRelease>
{
    public void Configure(EntityTypeBuilder<ClusterRelease> entity)
    {
        entity.ToTable("cluster_releases");
        entity.HasKey(r => new { r.ClusterId, r.ComponentId });
        entity.HasIndex(r => r.ComponentId);
        entity.HasOne<Cluster>().WithMany().HasForeignKey(r => r.ClusterId).OnDelete(DeleteBehavior.Cascade);
        entity.HasOne<Component>().WithMany().HasForeignKey(r => r.ComponentId).OnDelete(DeleteBehavior.Cascade);
    }
}
