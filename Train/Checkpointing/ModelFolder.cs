// ModelFolder: a trained model's folder (a checkpoint, a run folder's latest, or an HF-style folder
// with config.json beside its weights) checked as a whole before a model is built from it: the
// config, the weights' headers against the config (names and shapes, no data read), the memory
// the use will need against what the device has, and the tokenizer against the config's
// vocab_size and against the tokenizer of the data a command is about to feed it. Used by
// generate, eval, analyze and a resumed train. Not the loading itself (ModelWeights) and not a
// cache: each check reads the files it needs.
using MoeFromScratch.Model.Checkpoint;
using MoeFromScratch.Model.Config;
using MoeFromScratch.Tensors;
using MoeFromScratch.Train.Data;
using MoeFromScratch.Train.Tokenizer;
using MoeFromScratch.Train.Training;

namespace MoeFromScratch.Train.Checkpointing;

public static class ModelFolder
{
    public const string TokenizerFile = "tokenizer.json";

    /// <summary>The folder holding config.json: path itself, or the checkpoint it resolves to.</summary>
    public static string Resolve(string path) =>
        File.Exists(Path.Combine(path, ModelCheckpoint.ConfigFile)) ? path : CheckpointStore.Resolve(path);

    /// <summary>The folder's config, its weights' headers checked against it, and plan's memory checked on backend.</summary>
    public static MoeConfig CheckedConfig(string folder, IBackend backend, Func<MoeConfig, MemoryPlan> plan)
    {
        var config = MoeConfigJson.Load(Path.Combine(folder, ModelCheckpoint.ConfigFile));
        ModelCheckpoint.CheckHeaders(folder, config);
        plan(config).Check(backend);
        return config;
    }

    /// <summary>The folder's tokenizer, which must have exactly the config's vocab_size tokens.</summary>
    public static BpeTokenizer Tokenizer(string folder, MoeConfig config)
    {
        string path = Path.Combine(folder, TokenizerFile);
        var tokenizer = TokenizerJson.Load(path);
        RequireVocabSize(tokenizer, config, path);
        return tokenizer;
    }

    /// <summary>Refuses a tokenizer whose size is not vocab_size: ids past it crash a lookup, ids short of it decode to nothing.</summary>
    public static void RequireVocabSize(BpeTokenizer tokenizer, MoeConfig config, string path)
    {
        if (tokenizer.VocabSize != config.VocabSize)
            throw new TokenizerException($"{path}: {tokenizer.VocabSize:N0} tokens, but the model's config.json has vocab_size {config.VocabSize:N0}; they must be equal");
    }

    /// <summary>The model's token ids mean something only under its own tokenizer: prepared (from data) must be it.</summary>
    public static void RequireSameTokenizer(string folder, BpeTokenizer prepared, string preparedPath, string data, string dataOption = "--data")
    {
        string path = Path.Combine(folder, TokenizerFile);
        if (!File.Exists(path)) return;   // an HF folder without one: the user's data is trusted
        var own = TokenizerJson.Load(path);
        if (own.VocabSize != prepared.VocabSize || !own.Merges.SequenceEqual(prepared.Merges))
            throw new DataException($"{path}: not the tokenizer of {data} ({preparedPath}); pass the {dataOption} the model was trained on");
    }
}
