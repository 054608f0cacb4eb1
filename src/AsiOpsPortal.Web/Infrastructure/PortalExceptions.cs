namespace AsiOpsPortal.Web.Infrastructure;

/// <summary>Input a person must fix; every message says what and how.</summary>
public sealed class ValidationFailedException(IReadOnlyList<string> errors)
    : Exception(string.Join(" ", errors))
{
    public IReadOnlyList<string> Errors { get; } = errors;
}

public sealed class NotFoundException(string message) : Exception(message);

/// <summary>The request clashes with the current state (a duplicate name, a concurrent edit).</summary>
public sealed class ConflictException(string message) : Exception(message);

/// <summary>The caller is signed in but their role does not allow this (403).</summary>
public sealed class ForbiddenException(string message) : Exception(message);
