// ModelInputException: something a user gave the model side (a config file, a checkpoint) is wrong.
// The message is one line that names the file, the field or tensor, and what was expected, so a
// command-line program can print e.Message as it is. Bugs in our own code are never this type.
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Model;

public abstract class ModelInputException(UserErrorKind kind, string message) : MoeUserException(kind, message);

/// <summary>A config.json (or preset name) that cannot describe a model.</summary>
public sealed class ModelConfigException(string message) : ModelInputException(UserErrorKind.Config, message);

/// <summary>A safetensors file, shard index or checkpoint folder that cannot be read as this model.</summary>
public sealed class CheckpointException(string message) : ModelInputException(UserErrorKind.Checkpoint, message);
