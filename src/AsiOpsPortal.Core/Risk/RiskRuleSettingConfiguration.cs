using AsiOpsPortal.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AsiOpsPortal.Core.Risk;

internal sealed class RiskRuleSettingConfiguration : IEntityTypeConfiguration<RiskRuleSetting>
{
    public void Configure(EntityTypeBuilder<RiskRuleSetting> entity)
    {
        entity.ToTable("risk_rule_settings");
        entity.HasKey(r => r.Rule);
        entity.Property(r => r.Rule).HasMaxLength(63);
        entity.Property(r => r.Severity).HasConversion<string>().HasMaxLength(16);
        entity.Property(r => r.Parameters).HasJsonConversion();
    }
}
