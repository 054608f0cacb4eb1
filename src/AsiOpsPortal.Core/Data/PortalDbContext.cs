using AsiOpsPortal.Core.Accounts;
using AsiOpsPortal.Core.Audit;
using AsiOpsPortal.Core.Clusters;
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

        builder.Entity<AuditEvent>(e =>
        {
            e.ToTable("audit_events");
            e.HasIndex(a => a.At);
            e.HasIndex(a => a.Action);
            e.HasIndex(a => a.Actor);
        });
    }
}
