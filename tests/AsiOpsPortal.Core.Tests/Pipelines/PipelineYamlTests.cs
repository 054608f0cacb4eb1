using System.Text.Json;
using AsiOpsPortal.Core.Pipelines;

namespace AsiOpsPortal.Core.Tests.Pipelines;

public class PipelineYamlTests
{
    private static Pipeline Standard() => new()
    {
        Name = "standard",
        Description = "Test first, then staging, then prod by tier.",
        Scope = "environment in (test,staging,prod)",
        Waves =
        [
            new WaveSpec { Name = "canary", Clusters = ["test-hangzhou-01", "test-shanghai-01"], MinSuccessSeconds = 30, Canary = true },
            new WaveSpec { Name = "staging", Selector = "environment=staging", MaxConcurrency = 2, MaxFailures = "10%" },
        ],
    };

    /// <summary>Every field, in order, as JSON: equal text means equal pipelines, and a failure shows the difference.</summary>
    private static string Fields(PipelineDocument document) => JsonSerializer.Serialize(document);

    private static string Fields(Pipeline pipeline) => Fields(PipelineDocument.Of(pipeline));

    private static IReadOnlyList<string> ImportProblems(string text) =>
        Assert.Throws<PipelineException>(() => PipelineYaml.Import(text)).Problems;

    [Fact]
    public void Export_WritesEveryKeyInAFixedOrder_WhenPipelineIsTypical()
    {
        Assert.Equal("""
            name: standard
            description: Test first, then staging, then prod by tier.
            scope: environment in (test,staging,prod)
            waves:
              - name: canary
                clusters:
                  - test-hangzhou-01
                  - test-shanghai-01
                maxConcurrency: 1
                minSuccessSeconds: 30
                progressDeadlineSeconds: 600
                maxFailures: 0
                canary: true
              - name: staging
                clusters: []
                selector: environment=staging
                maxConcurrency: 2
                minSuccessSeconds: 0
                progressDeadlineSeconds: 600
                maxFailures: 10%
                canary: false

            """.ReplaceLineEndings("\n"), PipelineYaml.Export(Standard()));
    }

    [Fact]
    public void Export_QuotesText_WhenYamlWouldReadItAsSomethingElse()
    {
        var pipeline = new Pipeline { Name = "123", Description = "yes", Scope = "", Waves = [new WaveSpec { Name = "null", MaxFailures = "007" }] };

        var yaml = PipelineYaml.Export(pipeline);

        Assert.Contains("name: '123'", yaml);
        Assert.Contains("description: 'yes'", yaml);
        Assert.Contains("scope: ''", yaml);
        Assert.Contains("- name: 'null'", yaml);
        Assert.Contains("maxFailures: '007'", yaml);
        Assert.Equal(Fields(pipeline), Fields(PipelineYaml.Import(yaml)));
    }

    [Fact]
    public void Import_GivesThePipelineBack_WhenExported() =>
        Assert.Equal(Fields(Standard()), Fields(PipelineYaml.Import(PipelineYaml.Export(Standard()))));

    [Fact]
    public void Import_ReadsJson_WhenGivenTheApiShape()
    {
        const string json = """
            {"name": "standard", "description": "Test first, then staging, then prod by tier.", "scope": "environment in (test,staging,prod)",
             "waves": [
               {"name": "canary", "clusters": ["test-hangzhou-01", "test-shanghai-01"], "selector": null, "maxConcurrency": 1,
                "minSuccessSeconds": 30, "progressDeadlineSeconds": 600, "maxFailures": "0", "canary": true},
               {"name":"staging","clusters":[],"selector":"environment=staging","maxConcurrency":2,"minSuccessSeconds":0,
                "progressDeadlineSeconds":600,"maxFailures":"10%","canary":false}]}
            """;

        Assert.Equal(Fields(Standard()), Fields(PipelineYaml.Import(json)));
    }

    [Fact]
    public void Export_WritesTheDynamicStageLast_AndImportReadsItBack()
    {
        var pipeline = Standard();
        pipeline.Then = new DynamicStage { SchedulerPolicy = "balanced" };

        var yaml = PipelineYaml.Export(pipeline);

        Assert.EndsWith("    canary: false\nthen:\n  schedulerPolicy: balanced\n", yaml);
        Assert.Equal(Fields(pipeline), Fields(PipelineYaml.Import(yaml)));
    }

    [Fact]
    public void Import_ReadsTheDynamicStage_FromJson()
    {
        var document = PipelineYaml.Import("""{"name": "x", "waves": [], "then": {"schedulerPolicy": "balanced", "namePrefix": null}}""");

        Assert.Equal(new DynamicStage { SchedulerPolicy = "balanced" }, document.Then);
    }

    [Theory]
    [InlineData("then: balanced", "Line 3, column 7: then must be a mapping with schedulerPolicy and namePrefix, not 'balanced'.")]
    [InlineData("then: {}", "Line 3, column 7: then.schedulerPolicy is required.")]
    [InlineData("then: {policy: balanced}", "Line 3, column 8: then.policy is not a known key; known keys are schedulerPolicy and namePrefix.")]
    [InlineData("then: {schedulerpolicy: balanced}", "Line 3, column 8: then.schedulerpolicy is not a known key; did you mean 'schedulerPolicy'?")]
    [InlineData("then: {schedulerPolicy: [a, b]}", "Line 3, column 25: then.schedulerPolicy must be text, not a list.")]
    public void Import_ExplainsTheProblem_WhenTheDynamicStageIsNotValid(string then, string problem) =>
        Assert.Contains(problem, ImportProblems($"name: x\nwaves: []\n{then}\n"));

    [Fact]
    public void Import_ReadsNoDynamicStage_WhenThenIsEmpty() =>
        Assert.Null(PipelineYaml.Import("name: x\nwaves: []\nthen:\n").Then);

    [Fact]
    public void Import_UsesDefaults_WhenOptionalKeysAreLeftOut()
    {
        var document = PipelineYaml.Import("name: quick\nwaves:\n  - name: all\n    selector: tier\n");

        Assert.Equal(("quick", "", (string?)null), (document.Name, document.Description, document.Scope));
        var wave = Assert.Single(document.Waves);
        Assert.Equal(("all", "tier", 1, 0, 600, "0", false), (wave.Name, wave.Selector, wave.MaxConcurrency, wave.MinSuccessSeconds,
            wave.ProgressDeadlineSeconds, wave.MaxFailures, wave.Canary));
        Assert.Empty(wave.Clusters);
    }

    [Fact]
    public void Import_RoundTripsEveryField_ForRandomPipelines()
    {
        var random = new Random(20261126);
        for (var i = 0; i < 400; i++)
        {
            var pipeline = RandomPipeline(random);
            var yaml = PipelineYaml.Export(pipeline);

            var imported = PipelineYaml.Import(yaml);

            Assert.True(Fields(pipeline) == Fields(imported), $"Pipeline {i} changed on the way through YAML:\n{yaml}\n{Fields(pipeline)}\n{Fields(imported)}");
        }
    }

    [Fact]
    public void Export_IsStable_ForRandomPipelines()
    {
        var random = new Random(7);
        for (var i = 0; i < 400; i++)
        {
            var yaml = PipelineYaml.Export(RandomPipeline(random));

            Assert.Equal(yaml, PipelineYaml.Export(PipelineYaml.Import(yaml)));
        }
    }

    [Fact]
    public void Import_NamesTheLine_WhenYamlIsMalformed()
    {
        var problem = Assert.Single(ImportProblems("name: standard\nwaves:\n  - name: canary\n   clusters: [a]\n"));

        Assert.StartsWith("Line 4, column 4: ", problem);
    }

    [Fact]
    public void Import_NamesTheLine_WhenAFlowListIsNeverClosed()
    {
        var problem = Assert.Single(ImportProblems("name: standard\nwaves:\n  - name: canary\n    clusters: [a, b\n    canary: true\n"));

        Assert.StartsWith("Line 4, ", problem);
        Assert.Contains("unclosed", problem);
    }

    [Fact]
    public void Import_NamesTheLine_WhenJsonIsMalformed()
    {
        var problem = Assert.Single(ImportProblems("{\n  \"name\": \"standard\",\n  \"waves\": [\n    {\"name\": \"canary\" \"canary\": true}\n  ]\n}"));

        Assert.StartsWith("Line 4, ", problem);
    }

    [Fact]
    public void Import_ListsEveryUnknownKeyWithItsPosition_AndSuggestsTheNearestKnownOne()
    {
        var problems = ImportProblems("""
            name: standard
            waves:
              - name: canary
                maxConcurency: 2
                color: blue
                Canary: true
            owner: me
            """);

        Assert.Equal(
        [
            "Line 4, column 5: waves[0].maxConcurency is not a known key; did you mean 'maxConcurrency'?",
            "Line 5, column 5: waves[0].color is not a known key; known keys are name, clusters, selector, maxConcurrency, minSuccessSeconds, progressDeadlineSeconds, maxFailures and canary.",
            "Line 6, column 5: waves[0].Canary is not a known key; did you mean 'canary'?",
            "Line 7, column 1: owner is not a known key; known keys are name, description, scope, waves and then.",
        ], problems);
    }

    [Fact]
    public void Import_ExplainsWrongTypes_WithTheirPositions()
    {
        var problems = ImportProblems("""
            name: [standard]
            waves:
              - name: canary
                clusters: test-hangzhou-01
                maxConcurrency: two
                canary: maybe
              - just-a-name
            """);

        Assert.Equal(
        [
            "Line 1, column 7: name must be text, not a list.",
            "Line 4, column 15: waves[0].clusters must be a list, not 'test-hangzhou-01'.",
            "Line 5, column 21: waves[0].maxConcurrency must be a whole number, not 'two'.",
            "Line 6, column 13: waves[0].canary must be true or false, not 'maybe'.",
            "Line 7, column 5: waves[1] must be a mapping with name, clusters, selector, maxConcurrency, minSuccessSeconds, progressDeadlineSeconds, maxFailures and canary, not 'just-a-name'.",
        ], problems);
    }

    [Fact]
    public void Import_RejectsAKeyGivenTwice_NamingBothLines() =>
        Assert.Equal(["Line 3, column 1: name is given twice (first on line 1)."],
            ImportProblems("name: standard\nwaves: []\nname: other\n"));

    [Fact]
    public void Import_RefusesAliases_BecauseTheyHideWhatAWaveHolds() =>
        Assert.Equal(["Line 4, column 15: aliases (*canaries) are not supported here; write the value out."],
            ImportProblems("name: standard\nwaves:\n  - name: canary\n    clusters: *canaries\n"));

    [Theory]
    [InlineData("")]
    [InlineData("# nothing but a comment\n")]
    public void Import_SaysTheDocumentIsEmpty_WhenThereIsNothingToRead(string text) =>
        Assert.Equal(["The document is empty: expected a mapping with name, description, scope, waves and then."], ImportProblems(text));

    [Fact]
    public void Import_RefusesASecondDocument() =>
        Assert.Equal(["Line 3, column 1: a second document starts here; put one document in each file."],
            ImportProblems("name: a\nwaves: []\n---\nname: b\n"));

    [Fact]
    public void Import_AsksForAMapping_WhenTheDocumentIsAList() =>
        Assert.Equal(["Line 1, column 1: the document must be a mapping with name, description, scope, waves and then, not a list."], ImportProblems("- name: canary\n"));

    private static readonly string[] TrickyText =
    [
        "", " ", "yes", "No", "on", "null", "~", "true", "123", "-1", "0x1F", "1e3", ".inf", "1:30", "2026-11-26", "<<", "=",
        "- dash", "? question", ": colon", "a: b", "a #b", "#hash", "'single'", "\"double\"", "[list]", "{map}", "*star", "&amp",
        "!bang", "%percent", "@at", "`tick", "|pipe", ">fold", "trailing ", " leading", "tab\there", "line\nbreak", "ends\n",
        "two\n\nblank", "\nleading newline", "crlf\r\nline", "unicode 杭州 ✓", "emoji 🚀", "back\\slash", "comma, separated", "control\u0001char",
        "next\u0085line", "line\u2028separator", "cr\ronly",
    ];

    private static string RandomText(Random random) => random.Next(3) switch
    {
        0 => TrickyText[random.Next(TrickyText.Length)],
        1 => $"{TrickyText[random.Next(TrickyText.Length)]}{RandomWord(random)}{TrickyText[random.Next(TrickyText.Length)]}",
        _ => RandomWord(random),
    };

    private static string RandomWord(Random random)
    {
        const string alphabet = "abcdefghijklmnopqrstuvwxyz0123456789-_.:#,[]{}'\" \n";
        return new string(Enumerable.Range(0, random.Next(0, 24)).Select(_ => alphabet[random.Next(alphabet.Length)]).ToArray());
    }

    private static string? RandomOptionalText(Random random) => random.Next(4) == 0 ? null : RandomText(random);

    private static Pipeline RandomPipeline(Random random) => new()
    {
        Name = RandomText(random),
        Description = RandomText(random),
        Scope = RandomOptionalText(random),
        Waves = Enumerable.Range(0, random.Next(0, 5)).Select(_ => new WaveSpec
        {
            Name = RandomText(random),
            Clusters = Enumerable.Range(0, random.Next(0, 5)).Select(_ => RandomText(random)).ToList(),
            Selector = RandomOptionalText(random),
            MaxConcurrency = random.Next(-3, 100),
            MinSuccessSeconds = random.Next(4) == 0 ? random.Next(int.MinValue, int.MaxValue) : random.Next(0, 3600),
            ProgressDeadlineSeconds = random.Next(0, 7200),
            MaxFailures = random.Next(3) switch { 0 => random.Next(0, 10).ToString(), 1 => $"{random.Next(0, 101)}%", _ => RandomText(random) },
            Canary = random.Next(2) == 0,
        }).ToList(),
        Then = random.Next(3) == 0 ? null
            : new DynamicStage { SchedulerPolicy = RandomText(random) is { } policy && policy.Trim().Length > 0 ? policy : "balanced", NamePrefix = RandomOptionalText(random) },
    };
}
