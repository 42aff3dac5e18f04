// GoldenFile: a PyTorch golden dump, PropertyTests/Golden/<name>/ (written by Model/python/make_golden.py;
// the folder's README says how and with what). The config is read by MoeConfigJson and the initial
// weights by ModelCheckpoint, exactly as a model folder is, so their field names, tensor names and
// shapes are checked against our loader and ParameterLayout; the expected results are read by
// SafeTensorsFile. That reader knows only F32/F16/BF16, so the dump stores every float64 result x
// as two F32 tensors, `name` = float32(x) and `name.lo` = float32(x - float32(x)): Double(name)
// adds them back in double (~1e-14 relative), Float(name) is the float32 value alone. Integers
// (tokens, targets, topk_idx, expert_load) are stored as F32, exact below 2^24; Int(name) checks that.
// Not here: comparing (ArrayAssert) or running the model (GoldenParityTests).
using MoeFromScratch.Model.Checkpoint;
using TensorShape = MoeFromScratch.Tensors.Shape;

namespace MoeFromScratch.PropertyTests.Golden;

public sealed class GoldenFile
{
    public const string ResultsFile = "golden.safetensors";
    public const string LoSuffix = ".lo";

    private readonly Dictionary<string, (int[] Shape, float[] Hi, float[]? Lo)> _tensors = [];

    public string Folder { get; }

    /// <summary>The model's config.json, read and validated by MoeConfigJson.</summary>
    public MoeConfig Config { get; }

    /// <summary>The dump in PropertyTests/Golden/<paramref name="name"/>, found above the test binaries.</summary>
    public static GoldenFile Load(string name = "tiny") => new(FolderOf(name));

    /// <summary>The tiny dump, loaded once per test process.</summary>
    public static GoldenFile Tiny => LazyTiny.Value;

    private static readonly Lazy<GoldenFile> LazyTiny = new(() => Load("tiny"));

    /// <summary>AdamW steps in the dump's loss trajectory (make_golden.py's STEPS).</summary>
    public const int TrajectorySteps = 10;

    public GoldenFile(string folder)
    {
        Folder = folder;
        Config = MoeConfigJson.Load(Path.Combine(folder, ModelCheckpoint.ConfigFile));
        var read = SafeTensorsFile.Read(Path.Combine(folder, ResultsFile));
        try
        {
            foreach (var (name, t) in read.Where(t => !t.Key.EndsWith(LoSuffix, StringComparison.Ordinal)))
            {
                float[]? lo = null;
                if (read.TryGetValue(name + LoSuffix, out var low))
                {
                    if (!TensorShape.SameShape(low.Shape, t.Shape))
                        throw new InvalidDataException($"{folder}/{ResultsFile}: '{name}{LoSuffix}' is {TensorShape.Format(low.Shape)}, '{name}' is {TensorShape.Format(t.Shape)}");
                    lo = low.ToArray<float>();
                }
                _tensors.Add(name, ((int[])t.Shape.Clone(), t.ToArray<float>(), lo));
            }
        }
        finally
        {
            foreach (var t in read.Values) t.Dispose();
        }
    }

    /// <summary>The initial weights under their official names (float32 on the CPU); the caller disposes them.</summary>
    public Dictionary<string, Tensor> LoadWeights() => ModelCheckpoint.Load(Folder, Config);

    /// <summary>The names of the results (without the .lo halves).</summary>
    public IReadOnlyCollection<string> Names => _tensors.Keys;

    public bool Contains(string name) => _tensors.ContainsKey(name);

    /// <summary>True when the dump holds name.lo, i.e. name is a float64 result and Double gives it exactly.</summary>
    public bool IsFloat64(string name) => Get(name).Lo is not null;

    public int[] Shape(string name) => (int[])Get(name).Shape.Clone();

    /// <summary>The float64 result (hi + lo); for a name without a .lo half, its float32 values widened.</summary>
    public double[] Double(string name)
    {
        var (_, hi, lo) = Get(name);
        var values = new double[hi.Length];
        for (int i = 0; i < values.Length; i++) values[i] = (double)hi[i] + (lo is null ? 0 : lo[i]);
        return values;
    }

    /// <summary>The float32 rounding of the result: what a float32 run is compared against.</summary>
    public float[] Float(string name) => (float[])Get(name).Hi.Clone();

    /// <summary>An integer tensor stored as F32; throws if any value is not an integer.</summary>
    public int[] Int(string name)
    {
        var hi = Get(name).Hi;
        var values = new int[hi.Length];
        for (int i = 0; i < values.Length; i++)
            values[i] = hi[i] == MathF.Round(hi[i]) && Math.Abs(hi[i]) < (1 << 24) ? (int)hi[i]
                : throw new InvalidDataException($"{Folder}/{ResultsFile}: '{name}'[{i}] = {hi[i]} is not an integer");
        return values;
    }

    /// <summary>A scalar (shape ()) result in float64.</summary>
    public double Scalar(string name) =>
        Get(name).Shape.Length == 0 ? Double(name)[0] : throw new InvalidDataException($"'{name}' is {TensorShape.Format(Get(name).Shape)}, not a scalar");

    /// <summary>The result as a tensor of dtype (Float64 from hi + lo, Float32 from hi) on backend.</summary>
    public Tensor ToTensor(string name, DType dtype, IBackend? backend = null) => dtype switch
    {
        DType.Float64 => Tensor.FromArray(Double(name), Shape(name), backend),
        DType.Float32 => Tensor.FromArray(Float(name), Shape(name), backend),
        DType.Int32 => Tensor.FromArray(Int(name), Shape(name), backend),
        _ => throw new ArgumentException($"GoldenFile.ToTensor: dtype {dtype.Name()} is not one the dump holds"),
    };

    private (int[] Shape, float[] Hi, float[]? Lo) Get(string name) =>
        _tensors.TryGetValue(name, out var t) ? t
            : throw new KeyNotFoundException($"{Folder}/{ResultsFile} holds no '{name}' (it holds {string.Join(", ", _tensors.Keys.Where(k => !k.StartsWith("grad.", StringComparison.Ordinal)))} and grad.*)");

    /// <summary>PropertyTests/Golden/name, searched for upwards from the test binaries (no copy into bin/).</summary>
    public static string FolderOf(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "PropertyTests", "Golden", name);
            if (File.Exists(Path.Combine(candidate, ModelCheckpoint.ConfigFile))) return candidate;
        }
        throw new DirectoryNotFoundException($"no PropertyTests/Golden/{name}/config.json above {AppContext.BaseDirectory}; regenerate with /usr/bin/python3 Model/python/make_golden.py");
    }
}
