using AsiOpsPortal.Web.Accounts;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace AsiOpsPortal.Web.Tests.Accounts;

public class SingleSignOnEventsTests
{
    [Fact]
    public void Reason_NamesTheProviderErrorCodeOnly_WhenTheProviderRefused()
    {
        var refusal = new Exception("Access was denied by the resource owner or by the remote server.");
        refusal.Data["error"] = "access_denied\"><script>";

        Assert.Equal("provider error access_deniedscript", SingleSignOnEvents.Reason(refusal));
    }

    [Fact]
    public void Reason_KeepsOnlyTheIdentityModelCode_WhenTheMessageCouldQuoteTheToken()
    {
        var rejected = new OpenIdConnectProtocolException("IDX21314: OpenIdConnectProtocol requires the jwt token to have a 'sub' claim, jwt: 'eyJhbGciOi.secret.parts'.");

        Assert.Equal("IDX21314 (OpenIdConnectProtocolException)", SingleSignOnEvents.Reason(rejected));
    }

    [Fact]
    public void Reason_KeepsAShortMessage_WhenItComesFromTheHandlerItself() =>
        Assert.Equal("Correlation failed.", SingleSignOnEvents.Reason(new Exception("Correlation failed.")));
}
