// JsonlConversations: a user's fine-tuning data, one JSON object per line in the common chat format
//   {"messages": [{"role": "user", "content": "..."}, {"role": "assistant", "content": "..."}]}
// Roles are user, assistant or system; a conversation needs at least one user message followed
// (somewhere) by an assistant message, and the last message must be the assistant's (what is
// learned). Blank lines are skipped. A bad line is a one-line DataException naming the file, the
// line number and what was expected, before anything is trained.
// It is not a general JSON Lines library: other fields of a line are ignored, not validated.
using System.Text.Json;
using System.Text.Json.Nodes;
using MoeFromScratch.Model;
using MoeFromScratch.Train.Data;

namespace MoeFromScratch.Train.Sft;

public static class JsonlConversations
{
    private static readonly RegularFile.Kind FileKind = new(Tensors.UserErrorKind.Data, "a JSON Lines file of at most 1 GiB", RegularFile.GiB, m => new DataException(m));

    public static List<Conversation> Read(string path)
    {
        if (!File.Exists(path)) throw new DataException($"--data {path}: no such file");
        var lines = RegularFile.ReadAllText(path, FileKind).ReplaceLineEndings("\n").Split('\n');   // a FIFO or device refused unopened
        var conversations = new List<Conversation>();
        for (int i = 0; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i])) continue;
            conversations.Add(Parse(lines[i], $"{path}:{i + 1}"));
        }
        return conversations;
    }

    /// <summary>One line; <paramref name="where"/> ("file:line") starts every error.</summary>
    public static Conversation Parse(string line, string where)
    {
        const string expected = "expected {\"messages\": [{\"role\": \"user\", \"content\": ...}, {\"role\": \"assistant\", \"content\": ...}]}";
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(line);
        }
        catch (JsonException e)
        {
            throw new DataException($"{where}: not valid JSON ({e.Message.Split('\n')[0].TrimEnd('.')}); {expected}");
        }
        if (node is not JsonObject top || top["messages"] is not JsonArray array || array.Count == 0)
            throw new DataException($"{where}: no \"messages\" array; {expected}");
        var messages = new List<ChatMessage>();
        for (int m = 0; m < array.Count; m++)
        {
            if (array[m] is not JsonObject message || Text(message["role"]) is not string role || Text(message["content"]) is not string content)
                throw new DataException($"{where}: messages[{m}] needs a string \"role\" and a string \"content\"");
            if (!ChatMessage.Roles.Contains(role))
                throw new DataException($"{where}: messages[{m}].role is \"{role}\", expected one of {string.Join(", ", ChatMessage.Roles)}");
            if (role == "assistant" && content.Length == 0)
                throw new DataException($"{where}: messages[{m}] is an empty assistant message; nothing to learn from");
            messages.Add(new ChatMessage(role, content));
        }
        if (messages[^1].Role != "assistant")
            throw new DataException($"{where}: the last message is \"{messages[^1].Role}\", expected \"assistant\" (the answer to learn)");
        if (!messages.Any(m => m.Role == "user"))
            throw new DataException($"{where}: no \"user\" message; {expected}");
        return new Conversation(messages);
    }

    private static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue(out string? s) ? s : null;
}
