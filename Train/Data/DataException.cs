// DataException: a text corpus, data folder or token file that cannot be used. A MoeUserException
// (Tensors/Core/Errors.cs), so `moe` prints its one-line message and exits non-zero; it lives here
// because only the data side of training reads corpora and token files.
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Train.Data;

/// <summary>A text corpus, data folder or token file that cannot be used.</summary>
public sealed class DataException(string message, Exception? inner = null) : MoeUserException(UserErrorKind.Data, message, inner);
