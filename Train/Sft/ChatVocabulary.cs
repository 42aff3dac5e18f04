// ChatVocabulary: how `moe sft` gives a pretrained model the chat template's special tokens.
// A pretraining tokenizer has one special token (<|endoftext|>, the last id). Fine-tuning appends
// BeginOfSentence and EndOfSentence as ids V and V+1 (BpeTokenizer.WithSpecialTokens: no merge
// makes them, so no text encodes to them) and grows the model to vocab_size V+2: the embedding and
// lm_head rows of the new ids start as the mean of the existing rows (as HF's
// resize_token_embeddings does), every other weight is the checkpoint's. The pretraining cache and
// the base checkpoint are left as they are. A tokenizer that already has both tokens (a fine-tuned
// checkpoint, fine-tuned again) is used unchanged.
// It is not a general vocabulary editor: tokens are only appended, never removed or renumbered.
using MoeFromScratch.Model;
using MoeFromScratch.Model.Checkpoint;
using MoeFromScratch.Model.Config;
using MoeFromScratch.Tensors;
using MoeFromScratch.Train.Tokenizer;

namespace MoeFromScratch.Train.Sft;

public static class ChatVocabulary
{
    private static readonly string[] GrownRows = ["model.embed_tokens.weight", "lm_head.weight"];   // (V, C) each

    /// <summary>The tokenizer with the chat tokens, and the config with room for them.</summary>
    public static (BpeTokenizer Tokenizer, MoeConfig Config) ForChat(BpeTokenizer tokenizer, MoeConfig config)
    {
        if (tokenizer.VocabSize != config.VocabSize)
            throw new CheckpointException($"the tokenizer has {tokenizer.VocabSize} tokens, the config's vocab_size is {config.VocabSize}");
        var chat = tokenizer.WithSpecialTokens(ChatTemplate.BeginOfSentence, ChatTemplate.EndOfSentence);
        return (chat, config with { VocabSize = chat.VocabSize });
    }

    /// <summary>Loads a checkpoint of <paramref name="baseConfig"/> into <paramref name="model"/>, whose
    /// vocabulary may be larger: the new embedding and lm_head rows are the mean of the old ones.</summary>
    public static void LoadGrown(DeepSeekMoe model, string folder, MoeConfig baseConfig)
    {
        var weights = ModelCheckpoint.Load(folder, baseConfig);
        try
        {
            int added = model.Config.VocabSize - baseConfig.VocabSize;
            foreach (string name in GrownRows.Where(_ => added > 0))
            {
                var old = weights[name];                                   // (V, C)
                using var mean = old.Mean(0, keepDim: true);               // (1, C)
                weights[name] = Tensor.Concat([old, .. Enumerable.Repeat(mean, added)], 0);   // (V + added, C)
                old.Dispose();
            }
            ModelWeights.LoadInto(model, weights);
        }
        finally
        {
            foreach (var t in weights.Values) t.Dispose();
        }
    }
}
