using AsiOpsPortal.Core.Pipelines;

namespace AsiOpsPortal.Web.Pipelines;

/// <summary>A cluster as the editor shows it in a drop zone (a wave's key, or <see cref="PipelineDraft.Pool"/>).</summary>
/// <remarks>Position keeps cards distinct even when a broken import lists a name twice in one wave.</remarks>
public sealed record ClusterCard(string Name, string Zone, int Position);

/// <summary>
/// The editor's working copy: the pipeline being edited, waves with stable keys for their drop zones, and the moves a person
/// makes with the mouse or the keyboard. Pure state: the page renders it, validates it live and saves <see cref="ToDocument"/>.
/// </summary>
public sealed class PipelineDraft
{
    /// <summary>The drop zone of clusters in no wave.</summary>
    public const string Pool = "fleet";

    public string Name { get; set; } = "";
    public string Description { get; set; } = "";
    public string? Scope { get; set; }
    public List<DraftWave> Waves { get; } = [];
    /// <summary>The scheduler policy that plans the clusters no wave holds; null: the waves are the whole pipeline.</summary>
    public DynamicStage? Then { get; set; }

    public sealed class DraftWave(WaveSpec spec)
    {
        /// <summary>Stable while the page lives, whatever the wave is named or where it moves.</summary>
        public string Key { get; } = "wave-" + Guid.NewGuid().ToString("N");
        public WaveSpec Spec { get; } = spec;
    }

    public static PipelineDraft New() => new() { Waves = { new DraftWave(new WaveSpec { Name = "canary", Canary = true }) } };

    public static PipelineDraft From(PipelineDocument document)
    {
        var draft = new PipelineDraft { Name = document.Name, Description = document.Description, Scope = document.Scope, Then = document.Then };
        draft.Waves.AddRange(document.Waves.Select(w => new DraftWave(PipelineDocument.Copy(w))));
        return draft;
    }

    public PipelineDocument ToDocument() => new(Name, Description, Scope, Waves.Select(w => PipelineDocument.Copy(w.Spec)).ToList(), Then);

    /// <summary>Chooses the policy for the rest of the fleet (empty: none), keeping a wave name prefix already written.</summary>
    public void ThenBy(string? policy) =>
        Then = string.IsNullOrWhiteSpace(policy) ? null : (Then ?? new DynamicStage()) with { SchedulerPolicy = policy };

    public DraftWave? Wave(string key) => Waves.FirstOrDefault(w => w.Key == key);

    /// <summary>Appends an empty wave named wave-N, N the first number no wave uses.</summary>
    public DraftWave AddWave()
    {
        var n = Waves.Count + 1;
        while (Waves.Any(w => w.Spec.Name == $"wave-{n}")) n++;
        var wave = new DraftWave(new WaveSpec { Name = $"wave-{n}" });
        Waves.Add(wave);
        return wave;
    }

    /// <summary>Removes a wave; the clusters it listed go back to the pool.</summary>
    public void RemoveWave(string key) => Waves.RemoveAll(w => w.Key == key);

    public void MoveWave(string key, int by)
    {
        var index = Waves.FindIndex(w => w.Key == key);
        var target = index + by;
        if (index < 0 || target < 0 || target >= Waves.Count) return;
        var wave = Waves[index];
        Waves.RemoveAt(index);
        Waves.Insert(target, wave);
    }

    /// <summary>
    /// Takes <paramref name="cluster"/> out of the wave <paramref name="from"/> (nothing to do for the pool) and lists it in
    /// <paramref name="to"/> at <paramref name="index"/> (the end when negative or past it); moving to the pool unlists it.
    /// </summary>
    public void Move(string cluster, string from, string to, int index = -1)
    {
        Wave(from)?.Spec.Clusters.Remove(cluster);
        if (Wave(to) is not { } target) return;
        var clusters = target.Spec.Clusters;
        clusters.Insert(index < 0 || index > clusters.Count ? clusters.Count : index, cluster);
    }

    /// <summary>Moves a listed cluster <paramref name="by"/> places within its wave (negative: earlier).</summary>
    public void Nudge(string cluster, string wave, int by)
    {
        if (Wave(wave) is not { } w) return;
        var index = w.Spec.Clusters.IndexOf(cluster);
        var target = index + by;
        if (index < 0 || target < 0 || target >= w.Spec.Clusters.Count) return;
        w.Spec.Clusters.RemoveAt(index);
        w.Spec.Clusters.Insert(target, cluster);
    }

    /// <summary>The title a person reads for the wave at <paramref name="index"/>, also when it has no name yet.</summary>
    public string Title(int index) => string.IsNullOrWhiteSpace(Waves[index].Spec.Name) ? $"wave {index + 1}" : Waves[index].Spec.Name;
}
