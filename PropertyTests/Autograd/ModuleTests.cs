// Modules find their parameters by reflection and name them like Hugging Face checkpoints.

namespace MoeFromScratch.PropertyTests.Autograd;

public class ModuleTests
{
    private sealed class Expert : Module
    {
        public Linear UpProj { get; } = new(2, 3, bias: false, dtype: DType.Float64, backend: Float64Backend.Instance);
        public Linear DownProj { get; } = new(3, 2, bias: false, dtype: DType.Float64, backend: Float64Backend.Instance);
    }

    private sealed class Mlp : Module
    {
        public Parameter Gate { get; } = new(Tensor.Zeros([4, 2], DType.Float64, Float64Backend.Instance));
        public List<Expert> Experts { get; } = [new(), new()];
    }

    private sealed class Layer : Module
    {
        public RmsNorm InputLayernorm { get; } = new(2, dtype: DType.Float64, backend: Float64Backend.Instance);
        public Mlp Mlp { get; } = new();
        public int NotAParameter { get; } = 3;
    }

    private sealed class Model : Module
    {
        private readonly Embedding _embedTokens = new(5, 2, dtype: DType.Float64, backend: Float64Backend.Instance);
        public Layer[] Layers { get; } = [new()];
        [StateName("lm_head")] public Linear Head { get; } = new(2, 5, dtype: DType.Float64, backend: Float64Backend.Instance);
        public Embedding EmbedTokens => _embedTokens; // computed property: not walked twice
    }

    [Fact]
    public void Named_parameters_follow_the_hugging_face_convention()
    {
        var names = new Model().NamedParameters().Select(np => np.Name).ToArray();
        Assert.Equal(
        [
            "embed_tokens.weight",
            "layers.0.input_layernorm.weight",
            "layers.0.mlp.gate",
            "layers.0.mlp.experts.0.up_proj.weight",
            "layers.0.mlp.experts.0.down_proj.weight",
            "layers.0.mlp.experts.1.up_proj.weight",
            "layers.0.mlp.experts.1.down_proj.weight",
            "lm_head.weight",
            "lm_head.bias",
        ], names);
    }

    [Fact]
    public void Snake_case_handles_acronyms_and_single_letters()
    {
        Assert.Equal("q_proj", Module.SnakeCase("QProj"));
        Assert.Equal("mlp_ratio", Module.SnakeCase("MLPRatio"));
        Assert.Equal("self_attn", Module.SnakeCase("SelfAttn"));
        Assert.Equal("layers", Module.SnakeCase("layers"));
    }

    [Fact]
    public void ZeroGrad_zeroes_every_parameter()
    {
        var model = new Linear(3, 2, dtype: DType.Float64, backend: Float64Backend.Instance);
        var x = new Variable(Tensor.Ones([4, 3], DType.Float64, Float64Backend.Instance));
        model.Forward(x).Sum().Backward();
        Assert.All(model.Parameters(), p => Assert.Contains(p.Grad!.ToDoubleArray(), g => g != 0));
        model.ZeroGrad();
        Assert.All(model.Parameters(), p => Assert.All(p.Grad!.ToDoubleArray(), g => Assert.Equal(0, g)));
    }

    [Fact]
    public void A_shared_parameter_is_listed_once()
    {
        var shared = new Linear(2, 2, dtype: DType.Float64, backend: Float64Backend.Instance);
        var tied = new Tied(shared, shared);
        Assert.Equal(["a.weight", "a.bias"], tied.NamedParameters().Select(np => np.Name));
    }

    private sealed class Tied(Linear a, Linear b) : Module
    {
        public Linear A { get; } = a;
        public Linear B { get; } = b;
    }
}
