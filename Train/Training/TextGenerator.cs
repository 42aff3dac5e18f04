// TextGenerator: continues a prompt token by token through a model's decoder (its KV cache when it
// has one), streaming the decoded text to a writer. Shared by `moe generate` and the sample that
// `moe train` prints at the end of a run. Stops at <|endoftext|> or after maxTokens.
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
        using var decoder = model.StartDecoding();
        var text = new TextStream(tokenizer);
        var logits = decoder.Append(ids);
        for (int i = 0; i < maxTokens; i++)
        {
            int next = sampler.Next(logits);
            if (next == tokenizer.EndOfTextId) break;
            write(text.Push(next));
            logits = decoder.Append([next]);
        }
        write(text.Flush());
    }
}
