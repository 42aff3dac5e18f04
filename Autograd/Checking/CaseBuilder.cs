// CaseBuilder: seeded random inputs for gradient checks — small float64 tensors with a random
// layout (contiguous, a transposed view, or a slice of a larger tensor) so backward is exercised
// on non-contiguous inputs too, plus shapes that broadcast and int32 index tensors.
// Everything depends only on (seed, size), so a failing case replays from those two numbers.
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Autograd;

public sealed class CaseBuilder(int seed, int size, IBackend? backend = null)
{
    // Neighbouring seeds of System.Random start out alike; a multiplicative hash spreads them.
    private readonly Random _random = new(unchecked(seed * -1640531535) & int.MaxValue);
    private readonly List<string> _notes = [];

    public int Seed { get; } = seed;

    /// <summary>Where the float64 inputs live (the CPU unless a test picks the reference backend).</summary>
    public IBackend Backend { get; } = backend ?? Device.Cpu;

    /// <summary>Upper bound for dimensions (at least 1); shrinking it shrinks every shape.</summary>
    public int MaxDim { get; } = Math.Max(1, size);

    /// <summary>Free-form notes the case adds (axes, k, ...), shown with the shapes.</summary>
    public string Notes => string.Join(", ", _notes);

    public void Note(string note) => _notes.Add(note);

    public int Dim(int min = 1) => _random.Next(min, Math.Max(min, MaxDim) + 1);
    public int Int(int minInclusive, int maxExclusive) => _random.Next(minInclusive, maxExclusive);
    public bool Coin() => _random.Next(2) == 0;
    public double Uniform(double low, double high) => low + (high - low) * _random.NextDouble();
    public int[] Dims(int rank, int min = 1) => Enumerable.Range(0, rank).Select(_ => Dim(min)).ToArray();

    /// <summary>A shape that broadcasts to shape: some axes set to 1, maybe leading axes dropped.</summary>
    public int[] BroadcastOf(int[] shape)
    {
        var result = shape.Select(d => Coin() ? 1 : d).ToArray();
        return result[Int(0, result.Length + 1)..];
    }

    /// <summary>Uniform in [-1, 1).</summary>
    public Tensor Input(params int[] shape) => Make(shape, () => Uniform(-1, 1));

    /// <summary>In [0.5, 2): safe for log, sqrt, division.</summary>
    public Tensor Positive(params int[] shape) => Make(shape, () => Uniform(0.5, 2));

    /// <summary>Magnitude in [0.2, 1), either sign: away from the kinks of abs and relu.</summary>
    public Tensor AwayFromZero(params int[] shape) => Make(shape, () => Uniform(0.2, 1) * (Coin() ? 1 : -1));

    /// <summary>int32 values in [0, high).</summary>
    public Tensor Index(int[] shape, int high) =>
        Tensor.FromArray(Enumerable.Range(0, (int)Shape.Numel(shape)).Select(_ => _random.Next(high)).ToArray(), shape, Backend);

    /// <summary>A random permutation of 0..n-1 (Fisher-Yates) and its inverse, as int32 tensors.</summary>
    public (Tensor Order, Tensor Inverse) Permutation(int n)
    {
        var order = Enumerable.Range(0, n).ToArray();
        for (int i = n - 1; i > 0; i--)
        {
            int j = _random.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        var inverse = new int[n];
        for (int i = 0; i < n; i++) inverse[order[i]] = i;
        return (Ints(order), Ints(inverse));
    }

    /// <summary>int32 tensor holding exactly these values.</summary>
    public Tensor Ints(params int[] values) => Tensor.FromArray(values, [values.Length], Backend);

    // Fills shape with values in a randomly chosen layout; the result is a view the caller owns.
    private Tensor Make(int[] shape, Func<double> value)
    {
        double[] Values(int[] s) => Enumerable.Range(0, (int)Shape.Numel(s)).Select(_ => value()).ToArray();
        switch (shape.Length == 0 ? 0 : _random.Next(3))
        {
            case 1 when shape.Length >= 2: // a transposed view: the storage holds the matrix transposed
                {
                    var swapped = (int[])shape.Clone();
                    (swapped[^1], swapped[^2]) = (swapped[^2], swapped[^1]);
                    using var stored = Tensor.FromArray(Values(swapped), swapped, Backend);
                    return stored.MT;
                }
            case 2: // a slice of a wider tensor along the last axis: rows have gaps between them
                {
                    var wider = (int[])shape.Clone();
                    wider[^1] += 2;
                    using var stored = Tensor.FromArray(Values(wider), wider, Backend);
                    return stored.Narrow(-1, 1, shape[^1]);
                }
            default:
                return Tensor.FromArray(Values(shape), shape, Backend);
        }
    }
}
