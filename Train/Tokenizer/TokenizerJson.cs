// TokenizerJson: saves and loads a BpeTokenizer as HuggingFace `tokenizer.json` (model type BPE,
// ByteLevel pre-tokenizer and decoder, tokens and merges spelled with GPT-2's byte-to-unicode map),
// so `tokenizers.Tokenizer.from_file` and friends can read what we train. Loading checks the file
// and names it, the field and the value in a one-line TokenizerException.
// It is not a general tokenizer.json reader: normalizers, other models and other pre-tokenizers
// are refused rather than half-supported.
// Follows the format written by HuggingFace tokenizers 0.x (`"merges"` as "left right" strings;
// the newer [left, right] array form is accepted on load).
using System.Text.Json;
using System.Text.Json.Nodes;
using MoeFromScratch.Model;
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Train.Tokenizer;

public static class TokenizerJson
{
    public static void Save(BpeTokenizer tokenizer, string path) =>
        AtomicFile.Write(path, stream =>
        {
            using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
            ToJson(tokenizer).WriteTo(json);
        });

    public static JsonObject ToJson(BpeTokenizer tokenizer)
    {
        var vocab = new JsonObject();
        for (int id = 0; id < tokenizer.VocabSize; id++) vocab[Spelling(tokenizer, id)] = id;
        var merges = new JsonArray();
        foreach (var (left, right, _) in tokenizer.Merges)
            merges.Add((JsonNode?)JsonValue.Create($"{Spelling(tokenizer, left)} {Spelling(tokenizer, right)}"));
        var added = new JsonArray();
        foreach (var (id, content) in tokenizer.SpecialTokens.OrderBy(kv => kv.Key))
        {
            added.Add((JsonNode)new JsonObject
            {
                ["id"] = id,
                ["content"] = content,
                ["single_word"] = false,
                ["lstrip"] = false,
                ["rstrip"] = false,
                ["normalized"] = false,
                ["special"] = true,
            });
        }
        return new JsonObject
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = added,
            ["normalizer"] = null,
            ["pre_tokenizer"] = ByteLevelStep(),
            ["post_processor"] = null,
            ["decoder"] = ByteLevelStep(),
            ["model"] = new JsonObject
            {
                ["type"] = "BPE",
                ["dropout"] = null,
                ["unk_token"] = null,
                ["continuing_subword_prefix"] = null,
                ["end_of_word_suffix"] = null,
                ["fuse_unk"] = false,
                ["byte_fallback"] = false,
                ["ignore_merges"] = false,
                ["vocab"] = vocab,
                ["merges"] = merges,
            },
        };
    }

    // add_prefix_space=false: we never invent a leading space, so encode(decode(x)) == x.
    private static JsonObject ByteLevelStep() => new()
    {
        ["type"] = "ByteLevel",
        ["add_prefix_space"] = false,
        ["trim_offsets"] = true,
        ["use_regex"] = true,
    };

    private static string Spelling(BpeTokenizer tokenizer, int id) =>
        tokenizer.SpecialTokens.TryGetValue(id, out var special) ? special : ByteLevel.ToText(tokenizer.TokenBytes(id));

    /// <summary>What a tokenizer.json may be: a regular file of at most 256 MiB (a 2^20-token vocabulary is ~60 MB).</summary>
    public static readonly RegularFile.Kind FileKind = new(UserErrorKind.Tokenizer, "a tokenizer.json file of at most 256 MiB", 256 * RegularFile.MiB, m => new TokenizerException(m));

    public static BpeTokenizer Load(string path)
    {
        JsonNode? root;
        try
        {
            byte[] bytes = RegularFile.ReadAllBytes(path, FileKind);
            // The parser checks UTF-8 only when a string is read, and then throws InvalidOperationException.
            if (!System.Text.Unicode.Utf8.IsValid(bytes)) throw new TokenizerException($"{path}: not valid UTF-8");
            // A repeated key would otherwise surface later as an ArgumentException from JsonObject.
            root = JsonNode.Parse(bytes, documentOptions: new JsonDocumentOptions { AllowDuplicateProperties = false });
        }
        catch (JsonException e)
        {
            throw new TokenizerException($"{path}: not valid JSON ({e.Message.Split('\n')[0]})");
        }
        return FromJson(root, path);
    }

    public static BpeTokenizer FromJson(JsonNode? root, string path)
    {
        TokenizerException Bad(string what) => new($"{path}: {what}");
        if (root is not JsonObject top) throw Bad("expected a JSON object at the top level");
        if (top["normalizer"] is JsonNode normalizer) throw Bad($"normalizer {normalizer.ToJsonString()} is not supported, expected null");
        RequireByteLevel(top["pre_tokenizer"], "pre_tokenizer", Bad);
        if (top["model"] is not JsonObject model) throw Bad("missing \"model\" object");
        if (Text(model["type"]) != "BPE") throw Bad($"model.type is {model["type"]?.ToJsonString() ?? "missing"}, expected \"BPE\"");
        if (model["vocab"] is not JsonObject vocab) throw Bad("missing model.vocab object");

        var special = new Dictionary<int, string>();
        if (top["added_tokens"] is JsonArray addedTokens)
        {
            foreach (var token in addedTokens)
            {
                if (token is not JsonObject entry || entry["id"] is not JsonValue idValue || !idValue.TryGetValue(out int id) || Text(entry["content"]) is not string content)
                    throw Bad($"added_tokens entry {token?.ToJsonString()} needs an integer \"id\" and a string \"content\"");
                special[id] = content;
            }
        }

        // Ids must be 0..V-1, each used once; every non-special token must spell bytes.
        var tokenBytes = new byte[vocab.Count][];
        var idOf = new Dictionary<string, int>(vocab.Count);
        foreach (var (spelling, node) in vocab)
        {
            if (node is not JsonValue value || !value.TryGetValue(out int id))
                throw Bad($"model.vocab[\"{spelling}\"] is {node?.ToJsonString() ?? "null"}, expected an integer id");
            if ((uint)id >= (uint)vocab.Count) throw Bad($"model.vocab[\"{spelling}\"] = {id} is outside 0..{vocab.Count - 1}");
            if (tokenBytes[id] is not null) throw Bad($"model.vocab id {id} is used twice (again by \"{spelling}\")");
            if (special.TryGetValue(id, out var content) && content == spelling) tokenBytes[id] = System.Text.Encoding.UTF8.GetBytes(spelling);
            else if (ByteLevel.TryToBytes(spelling, out var bytes) && bytes.Length > 0) tokenBytes[id] = bytes;
            else throw Bad($"model.vocab token \"{spelling}\" is not spelled in the GPT-2 byte-level alphabet");
            idOf[spelling] = id;
        }
        foreach (var id in special.Keys)
            if ((uint)id >= (uint)vocab.Count) throw Bad($"added token id {id} is not in model.vocab (0..{vocab.Count - 1})");

        if (model["merges"] is not JsonArray mergeArray) throw Bad("missing model.merges array");
        var merges = new List<(int, int, int)>(mergeArray.Count);
        for (int rank = 0; rank < mergeArray.Count; rank++)
        {
            var (left, right) = MergeParts(mergeArray[rank]) ?? throw Bad($"model.merges[{rank}] is {mergeArray[rank]?.ToJsonString() ?? "null"}, expected \"left right\" or [left, right]");
            if (!idOf.TryGetValue(left, out int l)) throw Bad($"model.merges[{rank}] uses \"{left}\", which is not in model.vocab");
            if (!idOf.TryGetValue(right, out int r)) throw Bad($"model.merges[{rank}] uses \"{right}\", which is not in model.vocab");
            if (!idOf.TryGetValue(left + right, out int m)) throw Bad($"model.merges[{rank}] makes \"{left + right}\", which is not in model.vocab");
            merges.Add((l, r, m));
        }
        try
        {
            return new BpeTokenizer(tokenBytes, merges, special);
        }
        catch (ArgumentException e)
        {
            throw Bad(e.Message);
        }
    }

    private static (string, string)? MergeParts(JsonNode? node) => node switch
    {
        JsonValue v when v.TryGetValue(out string? s) && s.Split(' ') is [var l, var r] && l.Length > 0 && r.Length > 0 => (l, r),
        JsonArray { Count: 2 } a when Text(a[0]) is string l && Text(a[1]) is string r => (l, r),
        _ => null,
    };

    private static void RequireByteLevel(JsonNode? node, string field, Func<string, TokenizerException> bad)
    {
        var step = node as JsonObject;   // indexing any other node by name throws
        if (Text(step?["type"]) != "ByteLevel")
            throw bad($"{field} is {node?.ToJsonString() ?? "null"}, expected {{\"type\": \"ByteLevel\", ...}}");
        if (step?["add_prefix_space"] is JsonValue v && v.TryGetValue(out bool prefix) && prefix)
            throw bad($"{field}.add_prefix_space is true, expected false (a prefix space would break exact round trips)");
    }

    private static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue(out string? s) ? s : null;
}
