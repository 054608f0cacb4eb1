using AsiOpsPortal.Core.Rollouts;

namespace AsiOpsPortal.Core.Tests.Rollouts;

public class FailureBudgetTests
{
    [Theory]
    [InlineData("0", 10, 0)]
    [InlineData("2", 10, 2)]
    [InlineData("10%", 10, 1)]
    [InlineData("10%", 9, 0)]
    [InlineData("25%", 10, 2)]
    [InlineData("100%", 7, 7)]
    [InlineData("", 10, 0)]
    public void Allowed_CountsOrRoundsTheShareDown(string text, int waveSize, int allowed)
    {
        Assert.Equal(allowed, FailureBudget.Parse(text).Allowed(waveSize, canary: false));
    }

    [Theory]
    [InlineData("5")]
    [InlineData("50%")]
    public void Allowed_IsZero_ForACanaryWave(string text)
    {
        Assert.Equal(0, FailureBudget.Parse(text).Allowed(10, canary: true));
        Assert.True(FailureBudget.Parse(text).IsExceeded(1, 10, canary: true));
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("1.5")]
    [InlineData("101%")]
    [InlineData("ten")]
    [InlineData("%")]
    public void TryParse_RefusesWithAReason_WhenTheTextIsNotACountOrPercentage(string text)
    {
        Assert.False(FailureBudget.TryParse(text, out _, out var error));
        Assert.Contains(text, error);
    }

    [Fact]
    public void IsExceeded_IsTrue_OnlyPastTheAllowance()
    {
        var budget = FailureBudget.Parse("2");

        Assert.False(budget.IsExceeded(2, 10, canary: false));
        Assert.True(budget.IsExceeded(3, 10, canary: false));
    }
}
