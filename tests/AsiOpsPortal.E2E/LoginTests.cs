namespace AsiOpsPortal.E2E;

[Collection(PortalCollection.Name)]
public sealed class LoginTests(PortalFixture portal, ITestOutputHelper output)
{
    [Fact]
    public Task LoginPage_ShowsError_WhenPasswordIsWrong() => BrowserJourney.RunAsync(portal, output, async journey =>
    {
        var page = journey.Page;

        await journey.SubmitLoginAsync("carol", "not-carols-password");

        await Assertions.Expect(page.GetByTestId("login-error")).ToHaveTextAsync("The user name or password is wrong.");
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/account/login\\?error=invalid"));
        await Assertions.Expect(page.GetByTestId("current-user")).ToHaveCountAsync(0);
    });
}
