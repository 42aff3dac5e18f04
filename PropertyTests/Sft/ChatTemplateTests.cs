// The chat template as ids and loss mask: special tokens placed by the template only (never from
// text, never split), the text between them encoded as one string would be, loss on exactly the
// answers and their closing eos — for pairs of every built-in kind and a two-turn conversation —
// and HF `tokenizers` (the oracle of HfTokenizersOracleTests) encoding the rendered template to
// the same ids from the tokenizer.json and tokenizer_config.json a checkpoint writes.
using System.Text.Json;
using System.Xml.Linq;
using MoeFromScratch.PropertyTests.Train;
using MoeFromScratch.PropertyTests.Train.Tokenizer;
using MoeFromScratch.Train.Sft;
using MoeFromScratch.Train.Tokenizer;
using HfTokenizer = Tokenizers.DotNet.Tokenizer;

namespace MoeFromScratch.PropertyTests.Sft;

public sealed class ChatTemplateTests
{
    private static readonly BpeTokenizer Base = SampleText.Tokenizer;
    private static readonly BpeTokenizer Chat = Base.WithSpecialTokens(ChatTemplate.BeginOfSentence, ChatTemplate.EndOfSentence);
    private static readonly ChatTemplate Template = new(Chat);

    // Questions and answers with the characters that move pre-token boundaries: spaces, new lines, punctuation, digits.
    private static readonly Gen<string> Text = Gen.Elements("a", "Trim", " ", "\n", ":", "(", "x1", "é", "  ", "<", "|", "Assistant", "User:", "\t")
        .ArrayOf().Select(parts => string.Concat(parts));

    [Fact]
    public void Chat_tokens_are_appended_once_and_a_base_tokenizer_uses_endoftext_for_both()
    {
        Assert.Equal(Base.VocabSize + 2, Chat.VocabSize);
        Assert.Equal([Base.VocabSize, Base.VocabSize + 1], [Template.BosId, Template.EosId]);
        Assert.Same(Chat, Chat.WithSpecialTokens(ChatTemplate.BeginOfSentence, ChatTemplate.EndOfSentence));
        var plain = new ChatTemplate(Base);
        Assert.Equal([Base.EndOfTextId!.Value, Base.EndOfTextId!.Value], [plain.BosId, plain.EosId]);
        Assert.False(ChatTemplate.HasChatTokens(Base));
        Assert.True(ChatTemplate.HasChatTokens(Chat));
    }

    [Property(MaxTest = 200)]
    public Property Ids_are_bos_then_each_stretch_of_text_encoded_whole_then_answer_and_eos_and_only_those_carry_loss() =>
        Prop.ForAll(Text.ToArbitrary(), Text.Where(a => a.Length > 0).ToArbitrary(), (question, answer) =>
        {
            var (ids, loss) = Template.Encode([ChatMessage.User(question), ChatMessage.Assistant(answer), ChatMessage.User(answer), ChatMessage.Assistant(question + "z")]);
            int[] first = Chat.Encode($"User: {question}\n\nAssistant: {answer}"), second = Chat.Encode($"User: {answer}\n\nAssistant: {question}z");
            Assert.Equal([Template.BosId, .. first, Template.EosId, .. second, Template.EosId], ids);
            int[] learned = [.. Chat.Encode(" " + answer), Template.EosId, .. Chat.Encode(" " + question + "z"), Template.EosId];
            Assert.Equal(learned, ids.Where((_, i) => loss[i]));
            Assert.Equal(first.Length - Chat.Encode(" " + answer).Length, ids.Skip(1).TakeWhile((_, i) => !loss[i + 1]).Count());
        });

    [Property(MaxTest = 200)]
    public Property Plain_text_never_encodes_to_a_special_token_even_when_it_spells_one() =>
        Prop.ForAll(Text.ToArbitrary(), text =>
        {
            string spelled = text + ChatTemplate.BeginOfSentence + text + ChatTemplate.EndOfSentence + BpeTokenizer.EndOfText;
            var ids = Chat.Encode(spelled);
            Assert.DoesNotContain(ids, id => Chat.SpecialTokens.ContainsKey(id));
            Assert.Equal(spelled, Chat.DecodeText(ids));
        });

    [Fact]
    public void The_generation_prompt_ends_in_Assistant_colon_and_the_answer_follows_it()
    {
        var prompt = Template.Prompt([ChatMessage.User("What does System.String.Trim do?")]);
        Assert.Equal("User: What does System.String.Trim do?\n\nAssistant:", Chat.DecodeText(prompt[1..]));
        Assert.Equal(Template.BosId, prompt[0]);
        var (full, _) = Template.Encode([ChatMessage.User("What does System.String.Trim do?"), ChatMessage.Assistant("Removes spaces.")]);
        Assert.Equal(prompt, full[..prompt.Length]);
    }

    [Fact]
    public void Every_kind_of_built_in_pair_learns_exactly_its_answer_and_eos()
    {
        var pairs = DocQuestionsTests.TinyPairs();
        Assert.Equal(Enum.GetValues<QuestionKind>(), pairs.Select(p => p.Origin!.Kind).Distinct().Order());
        foreach (var pair in pairs)
        {
            var (ids, loss) = Template.Encode(pair.Messages);
            var learned = ids.Where((_, i) => loss[i]).ToArray();
            Assert.Equal(Template.EosId, learned[^1]);
            Assert.Equal(" " + pair.Answer, Chat.DecodeText(learned[..^1]));
            Assert.DoesNotContain(Template.EosId, learned[..^1]);
            Assert.Equal("User: " + pair.Question + "\n\nAssistant:", Chat.DecodeText(ids[1..ids.Select((_, i) => i).First(i => loss[i])]));
        }
    }

    [Fact]
    public void A_checkpoint_tokenizer_declares_the_chat_tokens_special_and_its_config_names_them()
    {
        string folder = Directory.CreateTempSubdirectory("moe-chat-template-").FullName;
        try
        {
            TokenizerJson.Save(Chat, Path.Combine(folder, "tokenizer.json"));
            ChatTemplate.SaveConfig(Chat, folder);
            var loaded = TokenizerJson.Load(Path.Combine(folder, "tokenizer.json"));
            Assert.Equal(Chat.SpecialTokens, loaded.SpecialTokens);
            using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "tokenizer.json")));
            var added = json.RootElement.GetProperty("added_tokens").EnumerateArray().ToList();
            Assert.All(added, t => Assert.True(t.GetProperty("special").GetBoolean()));
            Assert.Contains(added, t => t.GetProperty("content").GetString() == ChatTemplate.EndOfSentence && t.GetProperty("id").GetInt32() == Template.EosId);
            using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, ChatTemplate.ConfigFile)));
            Assert.Equal(ChatTemplate.BeginOfSentence, config.RootElement.GetProperty("bos_token").GetString());
            Assert.Equal(ChatTemplate.EndOfSentence, config.RootElement.GetProperty("eos_token").GetString());
            Assert.Equal(ChatTemplate.Jinja, config.RootElement.GetProperty("chat_template").GetString());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [LinuxX64Only]
    public void HF_tokenizers_encode_the_rendered_template_to_the_same_ids()
    {
        string folder = Directory.CreateTempSubdirectory("moe-chat-hf-").FullName;
        try
        {
            TokenizerJson.Save(Chat, Path.Combine(folder, "tokenizer.json"));
            using var hf = new HfTokenizer(Path.Combine(folder, "tokenizer.json"));
            foreach (var pair in DocQuestionsTests.TinyPairs())
            {
                var messages = pair.Messages.Concat([ChatMessage.User("And (then)?\n x: 1")]).ToList();
                // what the Jinja template renders, written out: bos, User: q\n\n, Assistant: a eos, ..., Assistant:
                string rendered = ChatTemplate.BeginOfSentence + $"User: {pair.Question}\n\nAssistant: {pair.Answer}{ChatTemplate.EndOfSentence}"
                    + "User: And (then)?\n x: 1\n\nAssistant:";
                Assert.Equal(Template.Prompt(messages).Select(id => (uint)id), hf.Encode(rendered));
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
