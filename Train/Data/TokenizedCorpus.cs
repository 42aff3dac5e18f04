// TokenizedCorpus: the corpus made ready for training, computed once and cached: the tokenizer
// (trained on the training split only) and the train/validation token files with their kinds.
// Everything lives in one folder named by a hash of (corpus text, vocab size, format version),
// <cache>/<corpus>-v<vocab>-<hash>/, so changing the text or the vocab size trains afresh and
// anything else reuses. Every file is written atomically; a missing file is simply rebuilt. A
// cache folder that cannot be written (read-only, full, under a file) is a one-line user error.
// Temporary files a killed tokenization left (hundreds of MB for a big corpus) are deleted when
// the next one opens the folder (AtomicFile.RemoveAbandoned: only those of dead processes).
// It is not a general artifact store: there is no eviction; delete the folder to free space.
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using MoeFromScratch.Model;
using MoeFromScratch.Train.Tokenizer;

namespace MoeFromScratch.Train.Data;

public sealed record TokenizedCorpus(
    Corpus Corpus,
    BpeTokenizer Tokenizer,
    string Folder,
    bool TokenizerFromCache,    // false: trained in this call
    bool TokensFromCache,       // false: encoded in this call
    TimeSpan TokenizerTime,     // training or loading
    TimeSpan EncodeTime)        // encoding or checking the cached files
{
    /// <summary>Bump when the extraction, tokenizer or file layout changes meaning.</summary>
    public const int FormatVersion = 1;

    public string TokenizerPath => Path.Combine(Folder, "tokenizer.json");
    public string TrainTokensPath => Path.Combine(Folder, "train.tokens");
    public string ValidationTokensPath => Path.Combine(Folder, "val.tokens");
    public string TrainKindsPath => Path.Combine(Folder, "train.kinds");
    public string ValidationKindsPath => Path.Combine(Folder, "val.kinds");

    /// <summary>$XDG_CACHE_HOME/moefromscratch, else ~/.cache/moefromscratch.</summary>
    public static string DefaultCacheRoot()
    {
        string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        string root = string.IsNullOrEmpty(xdg)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache") : xdg;
        return Path.Combine(root, "moefromscratch");
    }

    public const int MinVocab = BpeTrainer.ByteTokens + 1, MaxVocab = 1 << 20;

    /// <summary>Refuses a vocab_size the byte-level BPE trainer cannot make (it needs 256 bytes + &lt;|endoftext|&gt;), naming source.</summary>
    public static void RequireTrainableVocab(int vocabSize, string source)
    {
        if (vocabSize is < MinVocab or > MaxVocab)
            throw new Model.ModelConfigException($"{source}: field 'vocab_size' = {vocabSize}: training makes a byte-level BPE tokenizer of exactly vocab_size tokens, so it must be {MinVocab}..{MaxVocab:N0}");
    }

    /// <param name="vocabOption">The option that sets <paramref name="vocabSize"/> in the calling command
    /// (named when the corpus is too small for it), or null where the vocabulary is fixed.</param>
    public static TokenizedCorpus Prepare(Corpus corpus, int vocabSize, string cacheRoot, string? vocabOption = "--vocab")
    {
        if (vocabSize is < MinVocab or > MaxVocab)
            throw new ArgumentOutOfRangeException(nameof(vocabSize), $"vocab size {vocabSize}, expected {MinVocab}..{MaxVocab}");
        CorpusFit.RequireDocuments(corpus);
        string key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{corpus.Identity()}|{vocabSize}|{FormatVersion}")))[..16];
        string folder = Path.Combine(cacheRoot, $"{corpus.Name}-v{vocabSize}-{key}");

        UserFiles.Write(folder, () => AtomicFile.RemoveAbandoned(folder));
        var clock = Stopwatch.StartNew();
        string tokenizerPath = Path.Combine(folder, "tokenizer.json");
        bool tokenizerCached = File.Exists(tokenizerPath);
        BpeTokenizer tokenizer;
        if (tokenizerCached) tokenizer = TokenizerJson.Load(tokenizerPath);
        else
        {
            tokenizer = BpeTrainer.Train(corpus.Training.Select(d => d.Text), vocabSize);
            UserFiles.Write(folder, () => TokenizerJson.Save(tokenizer, tokenizerPath));
        }
        CorpusFit.RequireTokenizer(corpus, tokenizer.VocabSize, vocabSize, vocabOption);   // before encoding: a cached one is refused as fast
        var tokenizerTime = clock.Elapsed;

        clock.Restart();
        var prepared = new TokenizedCorpus(corpus, tokenizer, folder, tokenizerCached, true, tokenizerTime, TimeSpan.Zero);
        bool tokensCached = tokenizerCached && prepared.TokenFilesValid();
        if (!tokensCached)
        {
            UserFiles.Write(folder, () =>
            {
                WriteSplit(tokenizer, corpus.Training, prepared.TrainTokensPath, prepared.TrainKindsPath);
                WriteSplit(tokenizer, corpus.Validation, prepared.ValidationTokensPath, prepared.ValidationKindsPath);
            });
        }
        return prepared with { TokensFromCache = tokensCached, EncodeTime = clock.Elapsed };
    }

    public TokenFile OpenTrain() => TokenFile.Open(TrainTokensPath);
    public TokenFile OpenValidation() => TokenFile.Open(ValidationTokensPath);

    // Cached token files are reused only when all four open cleanly and match the tokenizer.
    private bool TokenFilesValid()
    {
        string[] tokenPaths = [TrainTokensPath, ValidationTokensPath], kindPaths = [TrainKindsPath, ValidationKindsPath];
        if (!tokenPaths.Concat(kindPaths).All(File.Exists)) return false;
        try
        {
            for (int i = 0; i < 2; i++)
            {
                using var tokens = TokenFile.Open(tokenPaths[i]);
                using var kinds = TokenFile.Open(kindPaths[i]);
                if (tokens.VocabSize != Tokenizer.VocabSize || kinds.Count != tokens.Count) return false;
            }
            return true;
        }
        catch (Tensors.MoeUserException)
        {
            return false;
        }
    }

    private static void WriteSplit(BpeTokenizer tokenizer, IEnumerable<Document> documents, string tokensPath, string kindsPath)
    {
        var kinds = new List<int[]>();
        TokenFile.Write(tokensPath, tokenizer.VocabSize, documents.Select(d =>
        {
            var (ids, kindBytes) = DocumentEncoder.Encode(tokenizer, d);
            kinds.Add(Array.ConvertAll(kindBytes, k => (int)k));
            return ids;
        }));
        TokenFile.Write(kindsPath, Enum.GetValues<TextKind>().Length, kinds);
    }
}
