using AsiOpsPortal.Core.Data;

namespace AsiOpsPortal.Core.Tests;

public sealed class StoredTextTests
{
    [Fact]
    public void Problem_NamesEntityFieldAndLimit_WhenTheValueIsLongerThanTheColumn()
    {
        var problem = StoredText.Problem("Cluster", "Zone", new string('z', 200), StoredText.MaxLength("Cluster", "Zone", 63));

        Assert.Equal("Cluster zone is longer than 63 characters (it has 200).", problem);
    }

    [Fact]
    public void Problem_NamesTheField_WhenTheValueHasANulCharacter()
    {
        var problem = StoredText.Problem("Change", "RollbackPlan", "undo\0", null);

        Assert.Equal("Change rollback plan contains a NUL character (U+0000), which cannot be stored; remove it.", problem);
    }

    [Fact]
    public void MaxLength_UsesTheTable_WhenTheColumnHasNoMaximum()
    {
        Assert.Equal(StoredText.Text, StoredText.MaxLength("Component", "Description", null));
        Assert.Equal(63, StoredText.MaxLength("Component", "Description", 63));
        Assert.Null(StoredText.MaxLength("RolloutStep", "Error", null));
    }

    [Fact]
    public void Problem_IsNull_WhenTheValueFits()
    {
        Assert.Null(StoredText.Problem("Cluster", "Zone", new string('z', 63), 63));
    }
}
