namespace AsiOpsPortal.Core.Data;

/// <summary>
/// A named document people edit optimistically (a pipeline, a scheduler policy): its version is the row's xmin, which an
/// editor sends back so a save over someone else's newer save is refused.
/// </summary>
public interface IVersionedDocument
{
    string Name { get; }
    string UpdatedBy { get; set; }
    DateTimeOffset UpdatedAt { get; set; }
    uint ConcurrencyToken { get; }
}
