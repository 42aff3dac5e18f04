// Conversation: one supervised fine-tuning example — the messages of a chat (user, assistant,
// optionally system), and, for the built-in examples, which documented member and kind of
// question it came from, so the evaluation can hold out whole namespaces and build baselines.
// It is not tokenised: ChatTemplate turns it into ids and a loss mask.
namespace MoeFromScratch.Train.Sft;

/// <summary>The kinds of built-in question, one per documentation section they are asked of.</summary>
public enum QuestionKind { Summary, Parameter, Returns, Exception }

/// <param name="Role">"user", "assistant" or "system" (the roles the chat template knows).</param>
public sealed record ChatMessage(string Role, string Content)
{
    public static readonly string[] Roles = ["user", "assistant", "system"];

    public static ChatMessage User(string content) => new("user", content);
    public static ChatMessage Assistant(string content) => new("assistant", content);
}

/// <param name="Origin">Where the built-in pair comes from; null for a user's --data file.</param>
public sealed record Conversation(IReadOnlyList<ChatMessage> Messages, PairOrigin? Origin = null)
{
    public static Conversation Pair(string question, string answer, PairOrigin? origin = null) =>
        new([ChatMessage.User(question), ChatMessage.Assistant(answer)], origin);

    public string Question => Messages.First(m => m.Role == "user").Content;
    public string Answer => Messages.Last(m => m.Role == "assistant").Content;
}

/// <param name="MemberId">The documentation id, e.g. "M:System.String.Trim".</param>
/// <param name="Namespace">Its namespace, e.g. "System" (the unit of the held-out split).</param>
/// <param name="LookupKey">Kind and short name (and parameter or exception), e.g. "Summary Trim": what the
/// lookup baseline matches a held-out question to a training one by.</param>
public sealed record PairOrigin(string MemberId, string Namespace, QuestionKind Kind, string LookupKey);
