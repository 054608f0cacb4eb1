using AsiOpsPortal.Core.Accounts;
using AsiOpsPortal.Web.Accounts;

namespace AsiOpsPortal.Web.Tests.Support;

/// <summary>The people page tests arrange data as, with the roles the demo gives them.</summary>
public static class People
{
    public static readonly Actor Alice = new("alice", Roles.Developer);
    public static readonly Actor Bob = new("bob", Roles.Sre);
    public static readonly Actor Carol = new("carol", Roles.Sre);
}
