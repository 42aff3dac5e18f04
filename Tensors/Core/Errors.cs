// Errors.cs: the one exception family for mistakes in what a user gave us (a config, a checkpoint,
// a tokenizer, a data path, a device, a command-line value, a place to write). Its message is one
// line that names the file, field or value and what was expected, so `moe` prints it as it is and
// exits non-zero.
// It is deliberately not for bugs in our own code (those keep their own types and stack traces),
// and not a catch-all: only code that has checked a user's input throws it.
// Layers add subclasses where the knowledge lives (ModelConfigException, CheckpointException in
// Model; GpuUnavailableException, GpuOutOfMemoryException in Gpu); the generic ones are here.
namespace MoeFromScratch.Tensors;

/// <summary>What kind of user input was wrong; the CLI and tests can tell them apart without parsing text.</summary>
public enum UserErrorKind
{
    Config,
    Checkpoint,
    Tokenizer,
    Data,
    Device,
    Argument,
    Output,     // a path we were told to write (--out, --cache): full, read-only, a file where a folder belongs
}

/// <summary>A user mistake; Message is one line (line breaks are folded into spaces here, once).</summary>
public class MoeUserException(UserErrorKind kind, string message, Exception? inner = null)
    : Exception(message.ReplaceLineEndings(" "), inner)
{
    public UserErrorKind Kind { get; } = kind;
}

/// <summary>A text corpus, data folder or token file that cannot be used.</summary>
public sealed class DataException(string message, Exception? inner = null) : MoeUserException(UserErrorKind.Data, message, inner);

/// <summary>A tokenizer.json that cannot be read as the byte-level BPE tokenizer we use.</summary>
public sealed class TokenizerException(string message, Exception? inner = null) : MoeUserException(UserErrorKind.Tokenizer, message, inner);

/// <summary>A command-line value outside what the option takes (the message names the option).</summary>
public sealed class UsageException(string message) : MoeUserException(UserErrorKind.Argument, message);

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
