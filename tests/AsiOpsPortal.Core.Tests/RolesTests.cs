using AsiOpsPortal.Core.Accounts;

namespace AsiOpsPortal.Core.Tests;

public class RolesTests
{
    [Theory]
    [InlineData("Viewer", new[] { "Viewer", "Developer", "SRE", "Admin" })]
    [InlineData("Developer", new[] { "Developer", "SRE", "Admin" })]
    [InlineData("SRE", new[] { "SRE", "Admin" })]
    [InlineData("Admin", new[] { "Admin" })]
    public void AtLeast_ReturnsRoleAndEveryHigherRole_WhenGivenAMinimum(string minimum, string[] expected) =>
        Assert.Equal(expected, Roles.AtLeast(minimum));

    [Fact]
    public void AtLeast_ReturnsCanonicalNames_WhenMinimumDiffersInCase() =>
        Assert.Equal(["SRE", "Admin"], Roles.AtLeast("sre"));

    [Theory]
    [InlineData("Viewer", "Viewer", true)]
    [InlineData("Viewer", "Developer", false)]
    [InlineData("Developer", "Viewer", true)]
    [InlineData("Developer", "SRE", false)]
    [InlineData("SRE", "Developer", true)]
    [InlineData("SRE", "Admin", false)]
    [InlineData("Admin", "SRE", true)]
    [InlineData("Admin", "Viewer", true)]
    [InlineData("admin", "SRE", true)]
    public void Satisfies_FollowsTheHierarchy_WhenComparingRoles(string role, string minimum, bool expected) =>
        Assert.Equal(expected, Roles.Satisfies(role, minimum));

    [Fact]
    public void AtLeast_Throws_WhenRoleIsUnknown()
    {
        var e = Assert.Throws<ArgumentException>(() => Roles.AtLeast("Root"));

        Assert.Contains("Unknown role 'Root'", e.Message);
    }

    [Theory]
    [InlineData("Operator", "Viewer")]
    [InlineData("Viewer", "")]
    public void Satisfies_Throws_WhenEitherRoleIsUnknown(string role, string minimum) =>
        Assert.Throws<ArgumentException>(() => Roles.Satisfies(role, minimum));

    [Theory]
    [InlineData(new[] { "sre" }, "SRE")]
    [InlineData(new[] { "Viewer", "ADMIN", "Developer" }, "Admin")]
    [InlineData(new[] { "developer", "unknown" }, "Developer")]
    [InlineData(new[] { " SRE " }, "SRE")]
    public void GrantedBy_ReturnsTheHighestNamedRoleInCanonicalCase_WhenClaimValuesNameRoles(string[] values, string expected) =>
        Assert.Equal(expected, Roles.GrantedBy(values));

    [Fact]
    public void GrantedBy_ReturnsViewer_WhenNoClaimValueNamesARole()
    {
        Assert.Equal(Roles.Viewer, Roles.GrantedBy([]));
        Assert.Equal(Roles.Viewer, Roles.GrantedBy(["operator", "root", ""]));
    }
}
