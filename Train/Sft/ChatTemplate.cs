// ChatTemplate: the chat format of deepseek-moe-16b-chat, as token ids and as the Jinja template
// HF tooling applies (tokenizer_config.json's chat_template):
//   <bos>User: {q1}\n\nAssistant: {a1}<eos>User: {q2}\n\nAssistant: {a2}<eos>
// with the generation prompt ending in "Assistant:" (the model writes " {answer}<eos>"); a system
// message is its content followed by \n\n. Encoding puts the special ids in directly and BPE-encodes
// each stretch of text between them as one string — exactly what HF does with a template's output,
// as the special tokens split its input — except that an answer's text is encoded apart from the
// "Assistant:" before it. That cut is invisible to the encoder: ':' ends a punctuation pre-token
// before a space whatever follows, so the ids are those of the whole string.
// The loss mask marks each answer's tokens and its closing <eos>: what supervised fine-tuning learns.
// Tokens: the dedicated BeginOfSentence/EndOfSentence special tokens when the tokenizer has them
// (SftCommand adds them to a base model's tokenizer); a pretraining tokenizer without them uses
// <|endoftext|> for both, GPT-2's convention, so a base checkpoint can still be prompted this way.
// It is not a general Jinja engine: the one template is written out, and its C# twin is this file.
using System.Text.Json.Nodes;
using MoeFromScratch.Train.Tokenizer;

namespace MoeFromScratch.Train.Sft;

public sealed class ChatTemplate
{
    public const string BeginOfSentence = "<｜begin▁of▁sentence｜>";   // deepseek's bos_token
    public const string EndOfSentence = "<｜end▁of▁sentence｜>";       // deepseek's eos_token
    public const string GenerationPrompt = "Assistant:";

    /// <summary>deepseek-moe-16b-chat's chat_template.</summary>
    public const string Jinja =
        "{% if not add_generation_prompt is defined %}{% set add_generation_prompt = false %}{% endif %}" +
        "{{ bos_token }}{% for message in messages %}" +
        "{% if message['role'] == 'user' %}{{ 'User: ' + message['content'] + '\\n\\n' }}" +
        "{% elif message['role'] == 'assistant' %}{{ 'Assistant: ' + message['content'] + eos_token }}" +
        "{% elif message['role'] == 'system' %}{{ message['content'] + '\\n\\n' }}{% endif %}" +
        "{% endfor %}{% if add_generation_prompt %}{{ 'Assistant:' }}{% endif %}";

    public ChatTemplate(BpeTokenizer tokenizer)
    {
        Tokenizer = tokenizer;
        int? fallback = tokenizer.EndOfTextId;
        BosId = tokenizer.SpecialId(BeginOfSentence) ?? fallback ?? throw new TokenizerException($"the tokenizer has neither {BeginOfSentence} nor {BpeTokenizer.EndOfText}");
        EosId = tokenizer.SpecialId(EndOfSentence) ?? fallback ?? throw new TokenizerException($"the tokenizer has neither {EndOfSentence} nor {BpeTokenizer.EndOfText}");
    }

    public BpeTokenizer Tokenizer { get; }
    public int BosId { get; }
    public int EosId { get; }

    /// <summary>Whether the tokenizer has the dedicated chat tokens (else bos = eos = &lt;|endoftext|&gt;).</summary>
    public static bool HasChatTokens(BpeTokenizer tokenizer) =>
        tokenizer.SpecialId(BeginOfSentence) is not null && tokenizer.SpecialId(EndOfSentence) is not null;

    /// <summary>A whole conversation: ids, and which of them carry loss (each answer and its closing eos).</summary>
    public (int[] Ids, bool[] Loss) Encode(IReadOnlyList<ChatMessage> messages, bool generationPrompt = false)
    {
        var ids = new List<int> { BosId };
        var loss = new List<bool> { false };
        var text = new System.Text.StringBuilder();   // the prompt text since the last special token
        void Put(IEnumerable<int> tokens, bool learned)
        {
            foreach (int t in tokens) { ids.Add(t); loss.Add(learned); }
        }
        void FlushText()
        {
            if (text.Length > 0) Put(Tokenizer.Encode(text.ToString()), learned: false);
            text.Clear();
        }
        foreach (var message in messages)
        {
            switch (message.Role)
            {
                case "user": text.Append("User: ").Append(message.Content).Append("\n\n"); break;
                case "system": text.Append(message.Content).Append("\n\n"); break;
                case "assistant":
                    text.Append(GenerationPrompt);
                    FlushText();
                    Put(Tokenizer.Encode(" " + message.Content), learned: true);
                    Put([EosId], learned: true);
                    break;
                default: throw new ArgumentException($"chat template: unknown role '{message.Role}'");
            }
        }
        if (generationPrompt) text.Append(GenerationPrompt);
        FlushText();
        return ([.. ids], [.. loss]);
    }

    /// <summary>The history (ending with the user's message) and the generation prompt, ready to decode from.</summary>
    public int[] Prompt(IReadOnlyList<ChatMessage> history) => Encode(history, generationPrompt: true).Ids;

    /// <summary>What the model wrote after "Assistant:", without the space the template puts there.</summary>
    public static string AnswerText(string generated) => generated.StartsWith(' ') ? generated[1..] : generated;

    public const string ConfigFile = "tokenizer_config.json";

    /// <summary>Writes folder/tokenizer_config.json when the tokenizer has tokens to frame a chat with.</summary>
    public static void SaveConfig(BpeTokenizer tokenizer, string folder)
    {
        if (tokenizer.EndOfTextId is null && !HasChatTokens(tokenizer)) return;
        var config = new ChatTemplate(tokenizer).TokenizerConfig().ToJsonString(new System.Text.Json.JsonSerializerOptions
        {
            WriteIndented = true,
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,   // the tokens as they read, not \u003C...
        });
        Model.AtomicFile.WriteAllText(Path.Combine(folder, ConfigFile), config + "\n");
    }

    /// <summary>tokenizer_config.json: the template and its tokens, so HF tooling formats prompts exactly as we do.</summary>
    public JsonObject TokenizerConfig() => new()
    {
        ["tokenizer_class"] = "PreTrainedTokenizerFast",
        ["bos_token"] = Tokenizer.SpecialTokens[BosId],
        ["eos_token"] = Tokenizer.SpecialTokens[EosId],
        ["pad_token"] = Tokenizer.SpecialTokens[EosId],
        ["add_bos_token"] = false,
        ["add_eos_token"] = false,
        ["clean_up_tokenization_spaces"] = false,
        ["model_max_length"] = null,
        ["chat_template"] = Jinja,
    };
}
