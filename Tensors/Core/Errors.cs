// Errors.cs: the one exception family for mistakes in what a user gave us (a config, a checkpoint,
// a tokenizer, a data path, a device, a command-line value, a place to write). Its message is one
// line that names the file, field or value and what was expected, so `moe` prints it as it is and
// exits non-zero.
// It is deliberately not for bugs in our own code (those keep their own types and stack traces),
// and not a catch-all: only code that has checked a user's input throws it.
// Layers add subclasses where the knowledge lives (ModelConfigException, CheckpointException in
// Model; DataException, TokenizerException in Train; GpuUnavailableException,
// GpuOutOfMemoryException in Gpu); here only the base, its kinds, and UsageException, which the
// tensor library (CPU allocator options) and Autograd (grad-check catalog) raise too. The guard
// that turns a user's path's IO failures into these is Model/UserFiles.cs.
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

/// <summary>A command-line value outside what the option takes (the message names the option).</summary>
public sealed class UsageException(string message) : MoeUserException(UserErrorKind.Argument, message);
