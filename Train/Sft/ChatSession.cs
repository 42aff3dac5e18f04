// ChatSession: one conversation with a model through the chat template — the history as messages,
// each reply generated from the templated history plus the generation prompt ("Assistant:") until
// the end-of-sentence token, streamed without the space the template puts after "Assistant:".
// When the history no longer fits the model's positions (with room for the reply), the oldest
// exchanges are forgotten first. Used by `moe chat`, `moe generate --chat` and the sft evaluation.
// It is not a chat server: one conversation, one thread.
using MoeFromScratch.Train.Training;

namespace MoeFromScratch.Train.Sft;

public sealed class ChatSession(ILanguageModel model, ChatTemplate template)
{
    private readonly List<ChatMessage> _history = [];

    public IReadOnlyList<ChatMessage> History => _history;

    public void Reset() => _history.Clear();

    /// <summary>Answers <paramref name="message"/> in the context of the history, streaming the answer
    /// to <paramref name="write"/>; both join the history. Returns the answer's text.</summary>
    public string Reply(string message, Sampler sampler, int maxTokens, Action<string>? write = null)
    {
        _history.Add(ChatMessage.User(message));
        int[] prompt = template.Prompt(_history);
        while (prompt.Length + Math.Min(maxTokens, 16) > model.MaxSequenceLength && _history.Count > 1)
        {
            _history.RemoveRange(0, Math.Min(2, _history.Count - 1));   // the oldest question and its answer
            prompt = template.Prompt(_history);
        }
        if (prompt.Length >= model.MaxSequenceLength)
        {
            _history.Clear();
            throw new Tensors.UsageException($"the message is {prompt.Length} tokens with the template; the model reads at most {model.MaxSequenceLength - 1}");
        }
        var text = new System.Text.StringBuilder();
        TextGenerator.Generate(model, template.Tokenizer, prompt, maxTokens, sampler, piece =>
        {
            if (text.Length == 0 && piece.StartsWith(' ')) piece = piece[1..];   // the space after "Assistant:"
            text.Append(piece);
            write?.Invoke(piece);
        }, [template.EosId]);
        string answer = text.ToString();
        _history.Add(ChatMessage.Assistant(answer));
        return answer;
    }
}
