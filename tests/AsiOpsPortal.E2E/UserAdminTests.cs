using AsiOpsPortal.Web.Demo;

namespace AsiOpsPortal.E2E;

[Collection(PortalCollection.Name)]
public sealed class UserAdminTests(PortalFixture portal, ITestOutputHelper output)
{
    [Fact]
    public Task UsersPage_ListsEveryUser_WhenAdminOpensIt() => BrowserJourney.RunAsync(portal, output, async journey =>
    {
        var page = journey.Page;
        await journey.LogInAsync("admin");

        await journey.GoToAsync("/admin/users");

        await Assertions.Expect(page.GetByTestId("users-title")).ToHaveTextAsync("Users");
        await Assertions.Expect(page.GetByTestId("access-denied")).ToHaveCountAsync(0);
        var userCells = page.Locator("table tbody tr > td:first-child");
        await Assertions.Expect(userCells).ToHaveCountAsync(DemoSeeder.Users.Count);
        Assert.Equal(DemoSeeder.Users.Select(u => u.Name).Order(), (await userCells.AllInnerTextsAsync()).Select(n => n.Trim()).Order());

        // Locking is an Admin's button, and unlocking too.
        var daveLocked = page.Locator("table tbody tr", new() { Has = page.GetByText("dave", new() { Exact = true }) }).Locator("td").Nth(3);
        await page.GetByTestId("lock-dave").ClickAsync();
        await Assertions.Expect(daveLocked).ToContainTextAsync("yes");
        await Assertions.Expect(page.GetByTestId("lock-dave")).ToHaveTextAsync("Unlock");
        await page.GetByTestId("lock-dave").ClickAsync();
        await Assertions.Expect(daveLocked).ToContainTextAsync("no");
    });
}
