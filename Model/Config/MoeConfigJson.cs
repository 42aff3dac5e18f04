// config.json for a MoeConfig: read with the official HuggingFace deepseek field names, written
// back with the same names. One table of fields serves both directions, so a field cannot be read
// but forgotten when writing. Trim-safe: JsonDocument and Utf8JsonWriter, no reflection.
// Not a general HF loader: bookkeeping fields (architectures, torch_dtype, …) are accepted and
// ignored, and fields that would change the model (hidden_act, rope_scaling, …) must hold the value
// DeepSeekMoE uses. Every error is one line naming the file and the field.
using System.Text;
using System.Text.Json;

namespace MoeFromScratch.Model.Config;

public static class MoeConfigJson
{
    /// <summary>What a config.json may be: a regular file of at most 1 MiB (16B's is 1.3 KB).</summary>
    public static readonly RegularFile.Kind FileKind = new(Tensors.UserErrorKind.Config, "a config.json file of at most 1 MiB", RegularFile.MiB, m => new ModelConfigException(m));

    public static MoeConfig Load(string path) => Parse(RegularFile.ReadAllText(path, FileKind), path);

    /// <summary>torchDtype: HF's torch_dtype, what the weights beside it are stored as ("float32", "bfloat16"); null leaves it out.</summary>
    public static void Save(MoeConfig config, string path, string? torchDtype = null) =>
        AtomicFile.Write(path, stream => stream.Write(Encoding.UTF8.GetBytes(ToJson(config, torchDtype) + "\n")));

    /// <summary>Parses and validates; source (usually the file path) starts every error message.</summary>
    public static MoeConfig Parse(string json, string source)
    {
        JsonDocument document;
        try { document = JsonDocument.Parse(json); }
        catch (JsonException e) { throw new ModelConfigException($"{source}: not valid JSON: {OneLine(e.Message)}"); }
        using var _ = document;
        if (document.RootElement.ValueKind != JsonValueKind.Object)
            throw new ModelConfigException($"{source}: expected a JSON object, got {Kind(document.RootElement)}");

        var config = new MoeConfig();
        var seen = new HashSet<string>();
        foreach (var property in document.RootElement.EnumerateObject())
        {
            string where = $"{source}: field '{property.Name}'";
            if (!seen.Add(property.Name))
                throw new ModelConfigException($"{where} appears twice");
            var field = Fields.FirstOrDefault(f => f.Name == property.Name);
            if (field is not null)
                config = field.Read(config, property.Value, where);
            else if (Fixed.FirstOrDefault(f => f.Name == property.Name) is { Name: not null } fixedField)
                CheckFixed(fixedField, property.Value, where);
            else if (!Ignored.Contains(property.Name))
                throw new ModelConfigException($"{where} is unknown (not a deepseek config field)");
        }
        if (Fields.FirstOrDefault(f => f.Required && !seen.Contains(f.Name)) is { } missing)
            throw new ModelConfigException($"{source}: field '{missing.Name}' is missing");
        return config.Validate(source);
    }

    public static string ToJson(MoeConfig config, string? torchDtype = null)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            foreach (var field in Fields) field.Write(w, config);
            foreach (var (name, value) in Fixed)
            {
                w.WritePropertyName(name);
                using var fixedValue = JsonDocument.Parse(value);
                fixedValue.RootElement.WriteTo(w);
            }
            if (torchDtype is not null) w.WriteString("torch_dtype", torchDtype);   // read back as bookkeeping: the weights' headers say their type
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    // ---- the field table ---------------------------------------------------------------------------

    private sealed record Field(string Name, bool Required, Action<Utf8JsonWriter, MoeConfig> Write, Func<MoeConfig, JsonElement, string, MoeConfig> Read);

    // Official fields are required; ours (last four) are optional so the official config.json loads.
    private static readonly Field[] Fields =
    [
        Int("vocab_size", c => c.VocabSize, (c, v) => c with { VocabSize = v }),
        Int("hidden_size", c => c.HiddenSize, (c, v) => c with { HiddenSize = v }),
        Int("intermediate_size", c => c.IntermediateSize, (c, v) => c with { IntermediateSize = v }),
        Int("moe_intermediate_size", c => c.MoeIntermediateSize, (c, v) => c with { MoeIntermediateSize = v }),
        Int("num_hidden_layers", c => c.NumHiddenLayers, (c, v) => c with { NumHiddenLayers = v }),
        Int("num_attention_heads", c => c.NumAttentionHeads, (c, v) => c with { NumAttentionHeads = v }),
        Int("num_key_value_heads", c => c.NumKeyValueHeads, (c, v) => c with { NumKeyValueHeads = v }),
        Int("n_shared_experts", c => c.NSharedExperts, (c, v) => c with { NSharedExperts = v }, nullMeansZero: true),
        Int("n_routed_experts", c => c.NRoutedExperts, (c, v) => c with { NRoutedExperts = v }, nullMeansZero: true),
        Int("num_experts_per_tok", c => c.NumExpertsPerTok, (c, v) => c with { NumExpertsPerTok = v }, nullMeansZero: true),
        Int("first_k_dense_replace", c => c.FirstKDenseReplace, (c, v) => c with { FirstKDenseReplace = v }),
        Int("moe_layer_freq", c => c.MoeLayerFreq, (c, v) => c with { MoeLayerFreq = v }),
        Bool("norm_topk_prob", c => c.NormTopkProb, (c, v) => c with { NormTopkProb = v }),
        Text("scoring_func", c => c.ScoringFunc, (c, v, _) => c with { ScoringFunc = v }),
        Number("aux_loss_alpha", c => c.AuxLossAlpha, (c, v) => c with { AuxLossAlpha = v }),
        Bool("seq_aux", c => c.SeqAux, (c, v) => c with { SeqAux = v }),
        Number("rms_norm_eps", c => c.RmsNormEps, (c, v) => c with { RmsNormEps = v }),
        Number("rope_theta", c => c.RopeTheta, (c, v) => c with { RopeTheta = v }),
        Int("max_position_embeddings", c => c.MaxPositionEmbeddings, (c, v) => c with { MaxPositionEmbeddings = v }),
        Bool("tie_word_embeddings", c => c.TieWordEmbeddings, (c, v) => c with { TieWordEmbeddings = v }),
        Number("initializer_range", c => c.InitializerRange, (c, v) => c with { InitializerRange = v }, required: false),
        Text("moe_kind", c => MoeKindNames.Name(c.MoeKind), (c, v, where) => c with { MoeKind = ParseKind(v, where) }, required: false),
        Number("device_aux_loss_alpha", c => c.DeviceAuxLossAlpha, (c, v) => c with { DeviceAuxLossAlpha = v }, required: false),
        Int("n_device_groups", c => c.NDeviceGroups, (c, v) => c with { NDeviceGroups = v }, required: false),
    ];

    // HF bookkeeping: accepted, ignored, not written back.
    private static readonly HashSet<string> Ignored =
    [
        "architectures", "auto_map", "bos_token_id", "eos_token_id", "pad_token_id", "pretraining_tp",
        "torch_dtype", "transformers_version", "use_cache",
    ];

    // HF fields whose only supported value is the one DeepSeekMoE uses; written back so the file
    // says what the model is.
    private static readonly (string Name, string Json)[] Fixed =
    [
        ("model_type", "\"deepseek\""), ("hidden_act", "\"silu\""), ("attention_bias", "false"),
        ("attention_dropout", "0.0"), ("rope_scaling", "null"),
    ];

    private static void CheckFixed((string Name, string Json) field, JsonElement value, string where)
    {
        using var expected = JsonDocument.Parse(field.Json);
        if (!JsonElement.DeepEquals(value, expected.RootElement))
            throw new ModelConfigException($"{where} = {value.GetRawText()} is not supported; expected {field.Json}");
    }

    private static MoeKind ParseKind(string name, string where) =>
        MoeKindNames.TryParse(name, out var kind) ? kind
            : throw new ModelConfigException($"{where} = \"{name}\" is not a known kind; expected {MoeKindNames.All}");

    // ---- typed readers and writers ------------------------------------------------------------

    private static Field Int(string name, Func<MoeConfig, int> get, Func<MoeConfig, int, MoeConfig> set, bool required = true, bool nullMeansZero = false) =>
        new(name, required, (w, c) => w.WriteNumber(name, get(c)), (c, e, where) =>
        {
            if (nullMeansZero && e.ValueKind == JsonValueKind.Null) return set(c, 0); // HF writes null for "none"
            if (e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out int v)) return set(c, v);
            throw WrongType(where, "an integer", e);
        });

    private static Field Number(string name, Func<MoeConfig, double> get, Func<MoeConfig, double, MoeConfig> set, bool required = true) =>
        new(name, required, (w, c) => w.WriteNumber(name, get(c)), (c, e, where) =>
            e.ValueKind == JsonValueKind.Number ? set(c, e.GetDouble()) : throw WrongType(where, "a number", e));

    private static Field Bool(string name, Func<MoeConfig, bool> get, Func<MoeConfig, bool, MoeConfig> set) =>
        new(name, true, (w, c) => w.WriteBoolean(name, get(c)), (c, e, where) =>
            e.ValueKind is JsonValueKind.True or JsonValueKind.False ? set(c, e.GetBoolean()) : throw WrongType(where, "true or false", e));

    private static Field Text(string name, Func<MoeConfig, string> get, Func<MoeConfig, string, string, MoeConfig> set, bool required = true) =>
        new(name, required, (w, c) => w.WriteString(name, get(c)), (c, e, where) =>
            e.ValueKind == JsonValueKind.String ? set(c, e.GetString()!, where) : throw WrongType(where, "a string", e));

    private static ModelConfigException WrongType(string where, string expected, JsonElement actual) =>
        new($"{where} must be {expected}, got {Kind(actual)} {Abbreviate(actual.GetRawText())}");

    private static string Kind(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };

    private static string Abbreviate(string raw) => OneLine(raw.Length <= 40 ? raw : raw[..37] + "...");

    internal static string OneLine(string text) => text.ReplaceLineEndings(" ");
}
