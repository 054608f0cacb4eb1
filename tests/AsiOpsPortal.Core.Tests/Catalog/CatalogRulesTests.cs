using AsiOpsPortal.Core.Catalog;

namespace AsiOpsPortal.Core.Tests.Catalog;

public class CatalogRulesTests
{
    [Theory]
    [InlineData("web")]
    [InlineData("web-frontend")]
    [InlineData("a")]
    [InlineData("0agent9")]
    [InlineData("abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij123")]
    public void NameProblem_IsNull_WhenNameIsADnsLabel(string name) =>
        Assert.Null(CatalogRules.NameProblem(name));

    [Theory]
    [InlineData("Web")]
    [InlineData("web_frontend")]
    [InlineData("web.frontend")]
    [InlineData("-web")]
    [InlineData("web-")]
    [InlineData("web frontend")]
    [InlineData("abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij1234")]
    public void NameProblem_ExplainsTheRule_WhenNameIsNotADnsLabel(string name) =>
        Assert.Equal($"Name '{name}' must be 1-63 lowercase letters, digits or '-', starting and ending with a letter or digit.", CatalogRules.NameProblem(name));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void NameProblem_SaysANameIsRequired_WhenNameIsMissing(string? name) =>
        Assert.Equal("Name is required: 1-63 lowercase letters, digits or '-' (e.g. web-frontend).", CatalogRules.NameProblem(name));

    [Fact]
    public void NameProblem_SaysTheNameIsReserved_WhenNameIsTheNewComponentAddress() =>
        Assert.Equal("Name 'new' is reserved; choose another.", CatalogRules.NameProblem("new"));

    [Theory]
    [InlineData("web", null)]
    [InlineData("kube-system", null)]
    [InlineData("Web", "Namespace 'Web' must be 1-63 lowercase letters, digits or '-', starting and ending with a letter or digit.")]
    [InlineData("team.web", "Namespace 'team.web' must be 1-63 lowercase letters, digits or '-', starting and ending with a letter or digit.")]
    [InlineData("", "Namespace is required: where objects that name none are applied (e.g. web).")]
    public void NamespaceProblem_FollowsTheDnsLabelRule_ForEachNamespace(string @namespace, string? expected) =>
        Assert.Equal(expected, CatalogRules.NamespaceProblem(@namespace));

    [Theory]
    [InlineData("1")]
    [InlineData("1.27.3")]
    [InlineData("v1.2.3-rc.1+build.5")]
    [InlineData("2026_11_25")]
    [InlineData("Release-A")]
    public void VersionProblem_IsNull_WhenLabelIsValid(string version) =>
        Assert.Null(CatalogRules.VersionProblem(version));

    [Fact]
    public void VersionProblem_IsNull_WhenLabelIsExactly128Characters() =>
        Assert.Null(CatalogRules.VersionProblem("v" + new string('1', 127)));

    [Theory]
    [InlineData("-1.0")]
    [InlineData(".1")]
    [InlineData("+build")]
    [InlineData("1.0 beta")]
    [InlineData("1/2")]
    [InlineData("1.0ü")]
    [InlineData("<b>1</b>")]
    public void VersionProblem_ExplainsTheRule_WhenLabelHasAForbiddenCharacterOrStart(string version) =>
        Assert.Equal($"Version '{version}' must be 1-128 letters, digits, '.', '_', '+' or '-', starting with a letter or digit.", CatalogRules.VersionProblem(version));

    [Fact]
    public void VersionProblem_ShortensTheLabelInTheMessage_WhenLabelIsLongerThan128Characters()
    {
        var problem = CatalogRules.VersionProblem(new string('1', 129));

        Assert.Equal($"Version '{new string('1', 40)}…' must be 1-128 letters, digits, '.', '_', '+' or '-', starting with a letter or digit.", problem);
    }

    [Fact]
    public void VersionProblem_SaysAVersionIsRequired_WhenLabelIsEmpty() =>
        Assert.Equal("Version is required (e.g. 1.27.0).", CatalogRules.VersionProblem(""));

    [Fact]
    public void ValidateComponent_ListsEveryProblem_WhenNameNamespaceAndDescriptionAreInvalid()
    {
        var errors = CatalogRules.ValidateComponent("Web", "", new string('x', 1001), "alice");

        Assert.Equal(
        [
            "Name 'Web' must be 1-63 lowercase letters, digits or '-', starting and ending with a letter or digit.",
            "Namespace is required: where objects that name none are applied (e.g. web).",
            "Description must be at most 1000 characters.",
        ], errors);
    }

    [Fact]
    public void ValidateComponent_ReturnsNoErrors_WhenComponentIsValid() =>
        Assert.Empty(CatalogRules.ValidateComponent("web-frontend", "web", "The storefront.", null));

    [Fact]
    public void ValidateVersion_ListsEveryProblem_WhenLabelAndNotesAreInvalid() =>
        Assert.Equal(
            ["Version is required (e.g. 1.27.0).", "Release notes must be at most 10000 characters."],
            CatalogRules.ValidateVersion("", new string('n', 10_001)));

    private static ManifestObject Object(int document, int line, string kind, string name, string? ns = null, string apiVersion = "v1") =>
        new(document, line, apiVersion, kind, name, ns, "{}");

    [Fact]
    public void ValidateObjects_NamesBothDocuments_WhenAnObjectIsDefinedTwice()
    {
        var errors = CatalogRules.ValidateObjects(
        [
            Object(1, 1, "ConfigMap", "web-config", "web"),
            Object(2, 8, "Deployment", "web", "web", "apps/v1"),
            Object(3, 30, "ConfigMap", "web-config", "web"),
        ], "web");

        Assert.Equal(["Document 3 (line 30): ConfigMap web-config is already defined in document 1 (line 1)."], errors);
    }

    [Fact]
    public void ValidateObjects_PlacesObjectsWithoutANamespaceInTheComponents_WhenLookingForDuplicates()
    {
        var errors = CatalogRules.ValidateObjects([Object(1, 1, "ConfigMap", "cfg"), Object(2, 6, "ConfigMap", "cfg", "web")], "web");

        Assert.Equal(["Document 2 (line 6): ConfigMap cfg is already defined in document 1 (line 1)."], errors);
    }

    [Fact]
    public void ValidateObjects_AcceptsTheSameNameTwice_WhenKindsOrNamespacesDiffer() =>
        Assert.Empty(CatalogRules.ValidateObjects(
        [
            Object(1, 1, "Namespace", "web"),
            Object(2, 5, "ConfigMap", "web", "web"),
            Object(3, 10, "ConfigMap", "web", "other"),
            Object(4, 15, "Deployment", "web", "web", "apps/v1"),
        ], "web"));

    [Fact]
    public void ValidateObjects_SaysThereAreNoObjects_WhenTheManifestsHoldNone() =>
        Assert.Equal(["The manifests contain no Kubernetes objects."], CatalogRules.ValidateObjects([], "web"));
}
