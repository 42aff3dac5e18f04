// RoPE on the device (Shaders/rope.comp), with its angles from a table. cos and sin of every
// (position, pair) are computed on the host in float64, as the reference and the CPU backend do,
// and kept on the device per (head size, theta), growing by doubling when a longer position is
// asked for. Computing them on the GPU in float32 lost about pos·ulp of the angle (1e-4 at position
// 2000, 4e-3 at 60,000), and GPU sin/cos are accurate only for small arguments.
// Not here: RMSNorm (VulkanBackend.RmsNorm.cs).
using MoeFromScratch.Gpu.Kernels;
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Gpu;

public sealed partial class VulkanBackend
{
    private const int MinRopePositions = 256;
    private readonly Dictionary<(int HeadSize, double Theta), Tensor> _ropeTables = [];

    public void Rope(Tensor x, Tensor y, int positionOffset, double theta, bool inverse)
    {
        if (MixesBf16(x, y)) { Bf16Widening.Run("rw", [x, y], (this, positionOffset, theta, inverse), static (t, s) => s.Item1.Rope(t[0], t[1], s.positionOffset, s.theta, s.inverse)); return; }
        if (x.DType != DType.BFloat16) CheckFloat32("Rope", x, y);
        if (y.Numel == 0) return;
        using var dense = Dense(x);
        int T = x.Shape[1], NH = x.Shape[2], HS = x.Shape[3];
        var table = RopeTable(HS, theta, positionOffset + T);   // (positions, HS): cos | sin per position
        long pairs = y.Numel / 2;
        var push = new PushConstants().U(pairs).U((uint)T).U((uint)NH).U((uint)HS).U((uint)positionOffset)
            .U(dense.Offset).U(y.Offset);
        Dispatch(Kernel(Variant("rope", y), 3, ElementwiseGroupSize, inverse ? 1u : 0u), [Read(dense), Read(table), Write(y)], push, GroupsFor(pairs, ElementwiseGroupSize), label: "rope");
    }

    // Row p holds cos(p·f_i) for i < HS/2, then sin(p·f_i), with f_i = theta^(-2i/HS).
    private Tensor RopeTable(int headSize, double theta, int positions)
    {
        if (_ropeTables.TryGetValue((headSize, theta), out var table) && table.Shape[0] >= positions) return table;
        int rows = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(MinRopePositions, positions));
        int half = headSize / 2;
        var host = new float[(long)rows * headSize];
        for (int p = 0; p < rows; p++)
        {
            for (int i = 0; i < half; i++)
            {
                double angle = p * Math.Pow(theta, -2.0 * i / headSize);
                host[(long)p * headSize + i] = (float)Math.Cos(angle);
                host[(long)p * headSize + half + i] = (float)Math.Sin(angle);
            }
        }
        table?.Dispose();   // queued dispatches that read it are ordered before its memory is reused
        using (TensorScope.Suspend()) table = Tensor.FromArray(host, [rows, headSize], this);
        _ropeTables[(headSize, theta)] = table;
        return table;
    }

    private void DisposeRopeTables()
    {
        foreach (var table in _ropeTables.Values) table.Dispose();
        _ropeTables.Clear();
    }
}
