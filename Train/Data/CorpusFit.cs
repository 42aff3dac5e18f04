// CorpusFit: whether a corpus is big enough for the run asked of it, with messages a user can act
// on: what a document is, which part is too small (the document count, the tokenizer against the
// vocabulary, a split against --seq) and which option to change. Checked while the corpus is
// prepared and before a model is built; small corpora are where a new user starts (`--data notes.txt`).
// It is not a quality check: a corpus that fits trains, however little it can teach.
namespace MoeFromScratch.Train.Data;

public static class CorpusFit
{
    /// <summary>How `--data` is cut into documents (Data/TextFilesCorpus), for messages.</summary>
    public static readonly string WhatADocumentIs =
        $"a document is one file, or a piece of at most {TextFilesCorpus.MaxDocumentChars:N0} characters cut at a line break from a longer one";

    /// <summary>How the validation split is chosen (Corpus.IsValidation), for messages.</summary>
    public static readonly string WhatTheValidationSplitIs =
        $"the validation split is the last document, or every {Corpus.ValidationStride}th from {Corpus.ValidationStride} documents on";

    /// <summary>One document for training and one held out for validation, at least.</summary>
    public static void RequireDocuments(Corpus corpus)
    {
        if (corpus.Documents.Count >= 2) return;
        throw new DataException($"{corpus.Origin}: {Count(corpus.Documents.Count, "document")}, but training holds one out for validation, " +
            $"so it needs at least 2 ({WhatADocumentIs}); add a second file, or more text");
    }

    /// <summary>Byte-level BPE merges until every distinct word of the training split is one token; a small
    /// text runs out of merges before <paramref name="vocabSize"/>, and the model would have ids no text makes.</summary>
    /// <param name="vocabOption">The option that sets the vocabulary in this command, or null where none does.</param>
    public static void RequireTokenizer(Corpus corpus, int tokenizerSize, int vocabSize, string? vocabOption)
    {
        if (tokenizerSize >= vocabSize) return;
        throw new DataException($"{corpus.Origin}: its training text makes a tokenizer of only {tokenizerSize:N0} tokens " +
            $"(256 bytes, <|endoftext|> and one per merge, until every distinct word is one token), fewer than the vocabulary of {vocabSize:N0} asked for; " +
            (vocabOption is null ? "give more text" : $"pass {vocabOption} {tokenizerSize} or less, or give more text"));
    }

    /// <summary>Training cuts windows of T+1 tokens (inputs and the next token) from the training split.</summary>
    public static void RequireTrainingWindow(Corpus corpus, long trainTokens, int sequenceLength)
    {
        if (trainTokens > sequenceLength) return;
        throw new DataException($"--seq {sequenceLength}: the training split of {corpus.Origin} holds {Count(trainTokens, "token")}, " +
            $"fewer than one window of --seq + 1 = {sequenceLength + 1:N0}; pass --seq {Math.Max(1, trainTokens - 1)} or less, or give more text");
    }

    /// <summary>Null when the validation split fills one window of T+1 tokens; else why it cannot, and what
    /// to change (<paramref name="without"/>: how to do without validation, where a command can).</summary>
    public static string? ValidationWindowMissing(Corpus corpus, long validationTokens, int sequenceLength, string? without = null)
    {
        if (validationTokens > sequenceLength) return null;
        return $"the validation split of {corpus.Origin} holds {Count(validationTokens, "token")}, fewer than one window of --seq + 1 = {sequenceLength + 1:N0} " +
            $"({WhatTheValidationSplitIs}; {WhatADocumentIs}); pass --seq {Math.Max(1, validationTokens - 1)} or less, or end --data with a longer document" +
            (without is null ? "" : $", or {without}");
    }

    private static string Count(long n, string noun) => Training.Reporting.Wording.Count(n, noun, noun + "s");
}
