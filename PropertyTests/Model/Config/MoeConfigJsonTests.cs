// config.json: every preset survives a save/load round trip, the official deepseek-moe-16b file
// loads as our 16B preset, and every kind of bad input is refused with one line that names the
// file and the field.
using System.Text.Json.Nodes;

namespace MoeFromScratch.PropertyTests.Model.Config;

public sealed class MoeConfigJsonTests
{
    private const string Source = "runs/bad/config.json";

    // The official deepseek-moe-16b-base config.json (auto_map dropped), byte for byte otherwise.
    private const string Official16B = """
    {
      "architectures": ["DeepseekForCausalLM"],
      "attention_bias": false,
      "attention_dropout": 0.0,
      "aux_loss_alpha": 0.001,
      "bos_token_id": 100000,
      "eos_token_id": 100001,
      "first_k_dense_replace": 1,
      "hidden_act": "silu",
      "hidden_size": 2048,
      "initializer_range": 0.02,
      "intermediate_size": 10944,
      "max_position_embeddings": 4096,
      "model_type": "deepseek",
      "moe_intermediate_size": 1408,
      "moe_layer_freq": 1,
      "n_routed_experts": 64,
      "n_shared_experts": 2,
      "norm_topk_prob": false,
      "num_attention_heads": 16,
      "num_experts_per_tok": 6,
      "num_hidden_layers": 28,
      "num_key_value_heads": 16,
      "pretraining_tp": 1,
      "rms_norm_eps": 1e-06,
      "rope_scaling": null,
      "rope_theta": 10000,
      "scoring_func": "softmax",
      "seq_aux": true,
      "tie_word_embeddings": false,
      "torch_dtype": "bfloat16",
      "transformers_version": "4.36.0",
      "use_cache": true,
      "vocab_size": 102400
    }
    """;

    public static TheoryData<string> PresetNames() => [.. MoePresets.All.Select(p => p.Name)];

    [Theory]
    [MemberData(nameof(PresetNames))]
    public void Every_preset_is_valid_and_round_trips(string name)
    {
        var preset = MoePresets.Resolve(name);
        Assert.Same(preset, preset.Validate(name));
        Assert.Equal(preset, MoeConfigJson.Parse(MoeConfigJson.ToJson(preset), name));
    }

    [Fact]
    public void Official_16b_config_loads_as_the_preset()
    {
        var official = MoeConfigJson.Parse(Official16B, "config.json");
        Assert.Equal(MoePresets.DeepSeekMoe16B with { InitializerRange = 0.02 }, official);
        Assert.Equal(MoeKind.DeepSeek, official.MoeKind);
        Assert.False(official.IsMoeLayer(0));
        Assert.True(official.IsMoeLayer(1));
    }

    [Fact]
    public void Save_then_load_through_a_file_and_a_folder()
    {
        var folder = Directory.CreateTempSubdirectory("moe-config-").FullName;
        try
        {
            var path = Path.Combine(folder, "config.json");
            MoeConfigJson.Save(MoePresets.Small, path);
            Assert.Equal(MoePresets.Small, MoeConfigJson.Load(path));
            Assert.Equal(MoePresets.Small, MoePresets.Resolve(path));
            Assert.Equal(MoePresets.Small, MoePresets.Resolve(folder));
            Assert.Single(Directory.GetFiles(folder)); // no temporary file left behind
        }
        finally { Directory.Delete(folder, recursive: true); }
    }

    [Fact]
    public void Optional_fields_take_their_defaults()
    {
        var json = Edit(MoePresets.Tiny, o => { o.Remove("moe_kind"); o.Remove("n_device_groups"); o.Remove("initializer_range"); o.Remove("device_aux_loss_alpha"); });
        Assert.Equal(MoePresets.Tiny, MoeConfigJson.Parse(json, Source));
    }

    [Fact]
    public void Null_expert_counts_read_as_none_for_a_dense_model()
    {
        var json = Edit(MoePresets.SmallDense, o => { o["n_routed_experts"] = null; o["n_shared_experts"] = null; });
        Assert.Equal(MoePresets.SmallDense, MoeConfigJson.Parse(json, Source));
    }

    [Fact]
    public void Missing_file_names_the_path() =>
        ModelAsserts.OneLineError(() => MoeConfigJson.Load("no/such/config.json"), "no/such/config.json", "no such file; expected a config.json");

    [Fact]
    public void Unknown_preset_lists_the_presets() =>
        ModelAsserts.OneLineError(() => MoePresets.Resolve("deepseek-moe-7b"), "deepseek-moe-7b", "deepseek-moe-16b");

    [Fact]
    public void Invalid_json_is_refused() =>
        ModelAsserts.OneLineError(() => MoeConfigJson.Parse("{\"vocab_size\": 12,", Source), Source, "not valid JSON");

    [Fact]
    public void Non_object_is_refused() =>
        ModelAsserts.OneLineError(() => MoeConfigJson.Parse("[1, 2]", Source), Source, "expected a JSON object");

    [Fact]
    public void Duplicate_field_is_refused() =>
        ModelAsserts.OneLineError(() => MoeConfigJson.Parse(MoeConfigJson.ToJson(MoePresets.Tiny).Replace("{", "{\"vocab_size\": 3,", StringComparison.Ordinal), Source),
            Source, "'vocab_size' appears twice");

    [Theory]
    [InlineData("vocab_size")]
    [InlineData("hidden_size")]
    [InlineData("num_experts_per_tok")]
    [InlineData("seq_aux")]
    [InlineData("scoring_func")]
    public void Missing_field_is_named(string field) =>
        ModelAsserts.OneLineError(() => MoeConfigJson.Parse(Edit(MoePresets.Tiny, o => o.Remove(field)), Source), Source, $"'{field}' is missing");

    [Fact]
    public void Unknown_field_is_named() =>
        ModelAsserts.OneLineError(() => MoeConfigJson.Parse(Edit(MoePresets.Tiny, o => o["n_experts"] = 8), Source), Source, "'n_experts' is unknown");

    [Theory]
    [InlineData("hidden_size", "\"64\"", "must be an integer, got a string")]
    [InlineData("hidden_size", "64.5", "must be an integer, got a number 64.5")]
    [InlineData("hidden_size", "null", "must be an integer, got null")]
    [InlineData("vocab_size", "4294967296", "must be an integer")]
    [InlineData("rms_norm_eps", "true", "must be a number, got a boolean")]
    [InlineData("seq_aux", "1", "must be true or false, got a number")]
    [InlineData("scoring_func", "[\"softmax\"]", "must be a string, got an array")]
    [InlineData("moe_kind", "{}", "must be a string, got an object")]
    public void Wrong_type_is_named(string field, string json, string expected) =>
        ModelAsserts.OneLineError(() => MoeConfigJson.Parse(Edit(MoePresets.Tiny, o => o[field] = JsonNode.Parse(json)), Source), Source, $"'{field}' {expected}");

    [Theory]
    [InlineData("hidden_act", "\"gelu\"", "expected \"silu\"")]
    [InlineData("model_type", "\"llama\"", "expected \"deepseek\"")]
    [InlineData("attention_bias", "true", "expected false")]
    [InlineData("attention_dropout", "0.1", "expected 0.0")]
    [InlineData("rope_scaling", "{\"type\": \"linear\"}", "expected null")]
    public void Fields_that_would_change_the_model_must_hold_the_deepseek_value(string field, string json, string expected) =>
        ModelAsserts.OneLineError(() => MoeConfigJson.Parse(Edit(MoePresets.Tiny, o => o[field] = JsonNode.Parse(json)), Source), Source, $"'{field}'", expected);

    [Fact]
    public void Bookkeeping_fields_are_ignored() =>
        Assert.Equal(MoePresets.Tiny, MoeConfigJson.Parse(Edit(MoePresets.Tiny, o => { o["torch_dtype"] = "float32"; o["attention_dropout"] = 0; }), Source));

    // Impossible values: each names its field and says what was expected.
    [Theory]
    [InlineData("vocab_size", "0", "vocab_size", "must be positive")]
    [InlineData("hidden_size", "-64", "hidden_size", "must be positive")]
    [InlineData("num_hidden_layers", "0", "num_hidden_layers", "must be positive")]
    [InlineData("intermediate_size", "-1", "intermediate_size", "must not be negative")]
    [InlineData("moe_intermediate_size", "-32", "moe_intermediate_size", "must not be negative")]
    [InlineData("n_shared_experts", "-1", "n_shared_experts", "must not be negative")]
    [InlineData("num_attention_heads", "3", "num_attention_heads", "does not divide hidden_size 64")]
    [InlineData("num_attention_heads", "64", "num_attention_heads", "head size 1, which is odd")]
    [InlineData("num_key_value_heads", "2", "num_key_value_heads", "must equal num_attention_heads 4")]
    [InlineData("num_experts_per_tok", "9", "num_experts_per_tok", "between 1 and n_routed_experts (8)")]
    [InlineData("num_experts_per_tok", "0", "num_experts_per_tok", "between 1 and n_routed_experts (8)")]
    [InlineData("n_routed_experts", "0", "n_routed_experts", "must be positive")]
    [InlineData("moe_layer_freq", "0", "moe_layer_freq", "must be positive")]
    [InlineData("first_k_dense_replace", "-1", "first_k_dense_replace", "must not be negative")]
    [InlineData("scoring_func", "\"sigmoid\"", "scoring_func", "expected \"softmax\"")]
    [InlineData("aux_loss_alpha", "-0.01", "aux_loss_alpha", "must not be negative")]
    [InlineData("rms_norm_eps", "0", "rms_norm_eps", "must be positive")]
    [InlineData("rope_theta", "0", "rope_theta", "must be positive")]
    [InlineData("initializer_range", "0", "initializer_range", "must be positive")]
    [InlineData("max_position_embeddings", "0", "max_position_embeddings", "must be positive")]
    [InlineData("n_device_groups", "3", "n_device_groups", "does not divide n_routed_experts 8")]
    [InlineData("n_device_groups", "0", "n_device_groups", "must be positive")]
    [InlineData("moe_kind", "\"expert-choice\"", "moe_kind", "deepseek | gshard | switch | hash | dense")]
    [InlineData("moe_kind", "\"switch\"", "num_experts_per_tok", "must be 1 for moe_kind switch")]
    [InlineData("moe_kind", "\"dense\"", "n_routed_experts", "must be 0 when moe_kind is dense")]
    public void Impossible_value_is_named(string field, string json, string blamed, string expected) =>
        ModelAsserts.OneLineError(() => MoeConfigJson.Parse(Edit(MoePresets.Tiny, o => o[field] = JsonNode.Parse(json)), Source), Source, $"'{blamed}'", expected);

    [Fact]
    public void Hash_routing_refuses_a_balance_loss() =>
        ModelAsserts.OneLineError(() => MoeConfigJson.Parse(Edit(MoePresets.SmallHash, o => o["aux_loss_alpha"] = 0.01), Source), Source, "'aux_loss_alpha'", "no router");

    [Fact]
    public void Dense_layers_need_a_width() =>
        ModelAsserts.OneLineError(() => MoeConfigJson.Parse(Edit(MoePresets.Tiny, o => o["intermediate_size"] = 0), Source), Source, "'intermediate_size'", "must be positive");

    // ---- helpers ---------------------------------------------------------------------------------

    private static string Edit(MoeConfig config, Action<JsonObject> edit)
    {
        var json = JsonNode.Parse(MoeConfigJson.ToJson(config))!.AsObject();
        edit(json);
        return json.ToJsonString();
    }
}
