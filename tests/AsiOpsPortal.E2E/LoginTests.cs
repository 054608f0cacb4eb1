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

    [Fact]
    public Task LoginPage_IsStyled_WhenVisitorIsNotSignedInYet() => BrowserJourney.RunAsync(portal, output, async journey =>
    {
        var page = journey.Page;

        await page.GotoAsync("/account/login?error=invalid");

        // The stylesheets are loaded by now (they block the load event); unstyled, the card has square corners.
        var corners = await page.Locator(".mud-paper").First.EvaluateAsync<string>("e => getComputedStyle(e).borderTopLeftRadius");
        Assert.True(corners is not ("0px" or ""), $"The login card is unstyled (border radius '{corners}'): MudBlazor's stylesheet did not load for a visitor who is not signed in.");
    });
}
