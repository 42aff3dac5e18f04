// UserFiles: the boundary where a path the user named is opened or written. IO failures the path
// causes (no permission, a folder where a file belongs, a full disk) become one-line
// MoeUserExceptions (Tensors/Core/Errors.cs) naming the path; anything else passes through.
// Here because Model (config, checkpoints) is the lowest layer that opens a user's files; Train
// uses it for corpora, tokenizers, metrics and run folders. Not a file API: callers do their own IO.
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Model;

/// <summary>The boundary where a path the user named is opened or written.</summary>
public static class UserFiles
{
    /// <summary>
    /// Runs read, turning the failures a user's path causes (no permission, a folder where a file
    /// belongs, a vanished or unreadable file) into a MoeUserException of kind that names the path.
    /// Other exceptions pass through: a parser's own MoeUserException, or a bug.
    /// </summary>
    public static T Read<T>(string path, UserErrorKind kind, Func<T> read) => Guard(path, kind, "cannot be read", read, null);

    /// <summary>
    /// Runs write, turning the failures of a path we were told to write (a full disk, a read-only
    /// folder, a file where a folder belongs, no permission) into a MoeUserException of kind Output
    /// naming the path; kept, when given, says what survived ("the previous checkpoint is untouched").
    /// </summary>
    public static T Write<T>(string path, Func<T> write, string? kept = null) => Guard(path, UserErrorKind.Output, "cannot be written", write, kept);

    public static void Write(string path, Action write, string? kept = null) => Write(path, () =>
    {
        write();
        return true;
    }, kept);

    private static T Guard<T>(string path, UserErrorKind kind, string what, Func<T> run, string? kept)
    {
        try
        {
            return run();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new MoeUserException(kind, $"{path}: {what} ({e.Message})" + (kept is null ? "" : $"; {kept}"), e);
        }
    }
}
