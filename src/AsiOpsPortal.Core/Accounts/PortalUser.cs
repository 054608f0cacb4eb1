using Microsoft.AspNetCore.Identity;

namespace AsiOpsPortal.Core.Accounts;

public class PortalUser : IdentityUser
{
    public string DisplayName { get; set; } = "";
}
