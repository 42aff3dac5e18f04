// A user's --data FILE.jsonl: conversations in the common {"messages": [...]} format are read in
// order (blank lines skipped), and each kind of bad line is one DataException naming the file and
// the line number (counting blank lines) and what was expected.
using MoeFromScratch.PropertyTests.Reliability;
using MoeFromScratch.Train.Data;
using MoeFromScratch.Train.Sft;

namespace MoeFromScratch.PropertyTests.Sft;

public sealed class JsonlConversationsTests : FuzzFolderTests
{
    private const string Good = """{"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi?"}, {"role": "assistant", "content": "Hello."}]}""";

    private string Write(params string[] lines)
    {
        string path = Folder.File("data.jsonl");
        File.WriteAllLines(path, lines);
        return path;
    }

    [Fact]
    public void Conversations_are_read_in_order_and_blank_lines_skipped()
    {
        var read = JsonlConversations.Read(Write(Good, "", """{"messages": [{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "4"}], "id": 7}"""));
        Assert.Equal(2, read.Count);
        Assert.Equal(["system", "user", "assistant"], read[0].Messages.Select(m => m.Role));
        Assert.Equal(("2+2?", "4"), (read[1].Question, read[1].Answer));
    }

    [Theory]
    [InlineData("{\"messages\": [", "not valid JSON")]
    [InlineData("[1, 2]", "no \"messages\" array")]
    [InlineData("{\"messages\": []}", "no \"messages\" array")]
    [InlineData("{\"messages\": [{\"role\": \"user\"}]}", "messages[0] needs a string \"role\" and a string \"content\"")]
    [InlineData("{\"messages\": [{\"role\": \"bot\", \"content\": \"x\"}]}", "messages[0].role is \"bot\", expected one of user, assistant, system")]
    [InlineData("{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}]}", "the last message is \"user\", expected \"assistant\"")]
    [InlineData("{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}, {\"role\": \"assistant\", \"content\": \"\"}]}", "messages[1] is an empty assistant message")]
    [InlineData("{\"messages\": [{\"role\": \"system\", \"content\": \"x\"}, {\"role\": \"assistant\", \"content\": \"y\"}]}", "no \"user\" message")]
    public void A_bad_line_is_named_with_file_and_line_number(string bad, string expected)
    {
        string path = Write(Good, "", bad, Good);
        var e = Assert.Throws<DataException>(() => JsonlConversations.Read(path));
        Assert.StartsWith($"{path}:3: ", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void A_file_of_one_conversation_cannot_hold_one_out()
    {
        string path = Write(Good);
        Assert.Contains("need at least 2", Assert.Throws<DataException>(() => InstructionSet.FromFile(path)).Message);
        var set = InstructionSet.FromFile(Write(Enumerable.Repeat(Good, 25).ToArray()));
        Assert.Equal((23, 2), (set.Training.Count, set.HeldOut.Count));
    }
}
