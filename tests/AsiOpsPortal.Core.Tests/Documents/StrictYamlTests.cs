using System.Globalization;
using System.Text.Json.Serialization;
using AsiOpsPortal.Core.Documents;

namespace AsiOpsPortal.Core.Tests.Documents;

public class StrictYamlTests
{
    public enum Outcome { Pass, Fail }

    /// <summary>A model shaped like the documents to come (a probe case): text, numbers, flags, lists, maps, an enum, a nested mapping.</summary>
    public sealed class Case
    {
        public string Name { get; set; } = "";
        public int MaxConcurrency { get; set; } = 1;
        public double Ratio { get; set; } = 0.5;
        public bool Enabled { get; set; } = true;
        public List<string> Clusters { get; set; } = [];
        public Dictionary<string, int> Weights { get; set; } = [];
        public Outcome Expect { get; set; } = Outcome.Pass;
        public Target? Target { get; set; }
    }

    public sealed class Target
    {
        [JsonRequired]
        public string Cluster { get; set; } = "";
        public string? Namespace { get; set; }
    }

    private static IReadOnlyList<string> Problems(string text) =>
        Assert.Throws<YamlDocumentException>(() => StrictYaml.Read<Case>(text)).Problems;

    [Fact]
    public void Read_GivesTheSameModel_FromYamlAndFromJson()
    {
        var yaml = StrictYaml.Read<Case>("""
            name: smoke
            maxConcurrency: 3
            ratio: 0.25
            enabled: false
            clusters: [a, b]
            weights: {tier: 2}
            expect: Fail
            target:
              cluster: prod-1
            """);
        var json = StrictYaml.Read<Case>("""
            {"name": "smoke", "maxConcurrency": 3, "ratio": 0.25, "enabled": false, "clusters": ["a", "b"],
             "weights": {"tier": 2}, "expect": "Fail", "target": {"cluster": "prod-1"}}
            """);

        foreach (var read in new[] { yaml, json })
        {
            Assert.Equal(("smoke", 3, 0.25, false, Outcome.Fail), (read.Name, read.MaxConcurrency, read.Ratio, read.Enabled, read.Expect));
            Assert.Equal(["a", "b"], read.Clusters);
            Assert.Equal(new Dictionary<string, int> { ["tier"] = 2 }, read.Weights);
            Assert.Equal(("prod-1", (string?)null), (read.Target!.Cluster, read.Target.Namespace));
        }
    }

    [Fact]
    public void Read_KeepsTheDefaults_WhenKeysAreLeftOutOrLeftEmpty()
    {
        var read = StrictYaml.Read<Case>("name: smoke\nmaxConcurrency:\nclusters: ~\ntarget: null\n");

        Assert.Equal((1, 0.5, true, Outcome.Pass), (read.MaxConcurrency, read.Ratio, read.Enabled, read.Expect));
        Assert.Empty(read.Clusters);
        Assert.Null(read.Target);
    }

    [Theory]
    [InlineData("007")]
    [InlineData("0x1F")]
    [InlineData("1e3")]
    [InlineData("true")]
    [InlineData("12345678901234567890")]
    public void Read_GivesAPlainScalarAsWritten_WhenTheModelWantsText(string written) =>
        Assert.Equal(written, StrictYaml.Read<Case>($"name: {written}\nclusters: [{written}]\n").Clusters.Single());

    [Fact]
    public void Read_ListsEveryProblem_WithItsLineColumnAndField()
    {
        var problems = Problems("""
            name: smoke
            clusters:
              - a
              - [b]
            target:
              cluster: prod-1
              namespce: default
            """);

        Assert.Equal(
        [
            "Line 4, column 5: clusters[1] must be text, not a list.",
            "Line 7, column 3: target.namespce is not a known key; did you mean 'namespace'?",
        ], problems);
    }

    [Fact]
    public void Read_SuggestsTheNearestKnownKey_WhenAKeyIsMisspelt() =>
        Assert.Equal(["Line 2, column 1: maxConcurency is not a known key; did you mean 'maxConcurrency'?"], Problems("name: x\nmaxConcurency: 2\n"));

    [Fact]
    public void Read_ListsTheKnownKeys_WhenNoKnownKeyIsNear() =>
        Assert.Equal(["Line 1, column 1: colour is not a known key; known keys are name, maxConcurrency, ratio, enabled, clusters, weights, expect and target."],
            Problems("colour: blue\n"));

    [Fact]
    public void Read_RefusesAKeyGivenTwice_NamingTheFirstLine() =>
        Assert.Equal(["Line 3, column 3: target.cluster is given twice (first on line 2)."],
            Problems("target:\n  cluster: a\n  cluster: b\n"));

    [Fact]
    public void Read_NamesAKeyTheModelRequires_WhenItIsMissing() =>
        Assert.Equal(["Line 2, column 3: target.cluster is required."], Problems("target:\n  namespace: x\n"));

    [Theory]
    [InlineData("maxConcurrency: two", "Line 1, column 17: maxConcurrency must be a whole number, not 'two'.")]
    [InlineData("maxConcurrency: 1.5", "Line 1, column 17: maxConcurrency must be a whole number, not '1.5'.")]
    [InlineData("maxConcurrency: '2'", "Line 1, column 17: maxConcurrency must be a whole number, not '2'.")]
    [InlineData("maxConcurrency: 99999999999", "Line 1, column 17: maxConcurrency must be a whole number from -2147483648 to 2147483647, not '99999999999'.")]
    [InlineData("ratio: half", "Line 1, column 8: ratio must be a number, not 'half'.")]
    [InlineData("enabled: yes", "Line 1, column 10: enabled must be true or false, not 'yes'.")]
    [InlineData("name: {first: a}", "Line 1, column 7: name must be text, not a mapping.")]
    [InlineData("clusters: a", "Line 1, column 11: clusters must be a list, not 'a'.")]
    [InlineData("clusters: [a, ~]", "Line 1, column 15: clusters[1] must be text, not empty.")]
    [InlineData("weights: [tier]", "Line 1, column 10: weights must be a mapping, not a list.")]
    [InlineData("weights: {tier: high}", "Line 1, column 17: weights.tier must be a whole number, not 'high'.")]
    [InlineData("expect: pass", "Line 1, column 9: expect must be one of Pass and Fail, not 'pass'.")]
    [InlineData("target: prod-1", "Line 1, column 9: target must be a mapping with cluster and namespace, not 'prod-1'.")]
    public void Read_SaysWhatTheFieldMustBe_WhenAValueHasTheWrongType(string line, string problem) =>
        Assert.Equal([problem], Problems(line));

    [Fact]
    public void Read_AsksForAMapping_WhenTheDocumentIsSomethingElse() =>
        Assert.Equal(["Line 1, column 1: the document must be a mapping with name, maxConcurrency, ratio, enabled, clusters, weights, expect and target, not a list."],
            Problems("- a\n- b\n"));

    [Theory]
    [InlineData("")]
    [InlineData("   \n")]
    [InlineData("# only a comment\n")]
    [InlineData("---\n...\n")]
    public void Read_SaysTheDocumentIsEmpty_WhenThereIsNothingToRead(string text) =>
        Assert.Equal(["The document is empty: expected a mapping with name, maxConcurrency, ratio, enabled, clusters, weights, expect and target."], Problems(text));

    [Fact]
    public void Read_RefusesASecondDocument_NamingWhereItStarts() =>
        Assert.Equal(["Line 3, column 1: a second document starts here; put one document in each file."], Problems("name: a\n# next\n---\nname: b\n"));

    [Fact]
    public void Read_IgnoresEmptyDocuments_AroundTheOneGiven() =>
        Assert.Equal("a", StrictYaml.Read<Case>("---\nname: a\n---\n").Name);

    [Fact]
    public void Read_RefusesAliases_SoNoBillionLaughsCanExpand()
    {
        const string laughs = """
            a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
            b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
            c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
            d: [*c, *c, *c, *c, *c, *c, *c, *c, *c]
            """;

        Assert.Equal(["Line 2, column 8: aliases (*a) are not supported here; write the value out."], Problems(laughs));
    }

    [Fact]
    public void Read_RefusesAText_OverTheSizeLimit()
    {
        var huge = "name: x\nclusters:\n" + string.Concat(Enumerable.Repeat("  - cluster-with-a-long-name\n", 40_000));

        Assert.Equal([$"The document is {huge.Length.ToString("N0", CultureInfo.InvariantCulture)} bytes, over the limit of 1,048,576 bytes (1 MiB)."], Problems(huge));
    }

    [Fact]
    public void Read_NamesTheLineOfATab_WhenTabsIndent() =>
        Assert.Equal(["Line 3, column 1: tabs cannot indent YAML; use spaces."], Problems("name: x\ntarget:\n\tcluster: a\n"));

    [Fact]
    public void Read_NamesTheLine_WhenTheTextIsNotYaml() =>
        Assert.StartsWith("Line 3, column ", Assert.Single(Problems("name: x\ntarget:\n  cluster: \"a\n")));
}
