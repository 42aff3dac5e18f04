// TokenizerException: a tokenizer.json that cannot be read as the byte-level BPE tokenizer we use.
// A MoeUserException (Tensors/Core/Errors.cs), so `moe` prints its one-line message and exits
// non-zero; it lives beside the tokenizer, the only code that raises it.
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Train.Tokenizer;

/// <summary>A tokenizer.json that cannot be read as the byte-level BPE tokenizer we use.</summary>
public sealed class TokenizerException(string message, Exception? inner = null) : MoeUserException(UserErrorKind.Tokenizer, message, inner);
