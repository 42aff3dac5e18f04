// TextGenerator: continues a prompt token by token through a model's decoder (its KV cache when it
// has one), streaming the decoded text to a writer. Shared by `moe generate`, `moe chat`, the sft
// evaluation and the sample that `moe train` prints at the end of a run. Stops at a stop token
// (<|endoftext|> for plain text; the chat template's end of sentence for a chat) or after maxTokens.
using MoeFromScratch.Tensors;
using MoeFromScratch.Train.Tokenizer;

namespace MoeFromScratch.Train.Training;

public static class TextGenerator
{
    public static void Generate(ILanguageModel model, BpeTokenizer tokenizer, string prompt, int maxTokens, Sampler sampler, Action<string> write)
    {
        // An empty prompt starts from <|endoftext|>, the document boundary the model was trained on.
        int[] ids = tokenizer.Encode(prompt);
        if (ids.Length == 0)
            ids = tokenizer.EndOfTextId is int eot ? [eot] : throw new UsageException("--prompt is empty and the tokenizer has no <|endoftext|> to start from");
        write(prompt);
        Generate(model, tokenizer, ids, maxTokens, sampler, write, tokenizer.EndOfTextId is int stop ? [stop] : []);
    }

    /// <summary>Continues <paramref name="prompt"/> ids, writing only the new text; returns the ids generated (without the stop token).</summary>
    public static List<int> Generate(ILanguageModel model, BpeTokenizer tokenizer, int[] prompt, int maxTokens, Sampler sampler,
        Action<string> write, IReadOnlyCollection<int> stopIds)
    {
        using var decoder = model.StartDecoding(Positions(prompt.Length, maxTokens, model.MaxSequenceLength));
        var text = new TextStream(tokenizer);
        var generated = new List<int>();
        var logits = decoder.Append(prompt);
        for (int i = 0; i < maxTokens && prompt.Length + i < model.MaxSequenceLength; i++)
        {
            int next = sampler.Next(logits);
            if (stopIds.Contains(next)) break;
            generated.Add(next);
            write(text.Push(next));
            logits = decoder.Append([next]);
        }
        write(text.Flush());
        return generated;
    }

    /// <summary>The positions a generation holds at most: the prompt and maxTokens more, within the model's context
    /// (what the KV cache is sized by, and what MemoryPlan.ForInference counts).</summary>
    public static int Positions(long promptTokens, int maxTokens, int maxPositions) =>
        (int)Math.Clamp(promptTokens + maxTokens, 1, maxPositions);
}
