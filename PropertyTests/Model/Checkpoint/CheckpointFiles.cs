// Helpers for the checkpoint tests: a temporary folder that removes itself, seeded random tensors,
// and the values a dtype round trip must give.
using MoeFromScratch.Model.Checkpoint;

namespace MoeFromScratch.PropertyTests.Model.Checkpoint;

internal sealed class TempFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("moe-ckpt-").FullName;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}

internal static class CheckpointFiles
{
    public static float[] RandomValues(int count, int seed, float scale = 3)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)((random.NextDouble() * 2 - 1) * scale)).ToArray();
    }

    public static Tensor RandomTensor(int[] shape, int seed) => Tensor.FromArray(RandomValues((int)Shape.Numel(shape), seed), shape);

    /// <summary>What reading back a value written as dtype must give.</summary>
    public static float[] Stored(StoredDType dtype, float[] values)
    {
        var bytes = new byte[values.Length * dtype.SizeInBytes()];
        StoredDTypes.Encode(dtype, values, bytes);
        var back = new float[values.Length];
        StoredDTypes.Decode(dtype, bytes, back);
        return back;
    }

    /// <summary>
    /// The elements; empty for 0-sized tensors, whose ToArray currently fails (Tensor.IsContiguous
    /// calls a shape with a 0 axis non-contiguous, and the CPU Copy kernel is not written yet).
    /// </summary>
    public static float[] Values(Tensor t) => t.Numel == 0 ? [] : t.ToArray<float>();

    public static void Dispose(IEnumerable<Tensor> tensors)
    {
        foreach (var t in tensors) t.Dispose();
    }
}
