using AsiOpsPortal.Web.Accounts;

namespace AsiOpsPortal.Web.Tests.Accounts;

public class ReturnUrlTests
{
    [Theory]
    [InlineData("/")]
    [InlineData("/clusters?environment=prod")]
    [InlineData("/clusters/prod-hangzhou-01#nodes")]
    public void LocalOrHome_KeepsTheUrl_WhenItIsAPathOnThePortal(string url) =>
        Assert.Equal(url, ReturnUrl.LocalOrHome(url));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("https://evil.example/")]
    [InlineData("//evil.example/")]
    [InlineData("/\\evil.example/")]
    [InlineData("/\t/evil.example/")]
    [InlineData("/\r\n/evil.example/")]
    [InlineData("clusters")]
    [InlineData("javascript:alert(1)")]
    public void LocalOrHome_ReturnsHome_WhenTheUrlCouldLeaveThePortal(string? url) =>
        Assert.Equal(ReturnUrl.Home, ReturnUrl.LocalOrHome(url));
}
