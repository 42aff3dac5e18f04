// Tensor.CopyTo(start, span): reading a contiguous tensor back a piece at a time, as checkpoints do.
// Every piece of any length at any start equals that slice of ToArray, on the CPU and on Vulkan;
// a strided view is refused (it has no contiguous element order to slice), and so is a piece that
// runs past the end.
using MoeFromScratch.PropertyTests.Vulkan;

namespace MoeFromScratch.PropertyTests.Tensors;

public sealed class CopyToTests
{
    [Property(MaxTest = 100)]
    public Property A_piece_is_that_slice_of_the_whole_on_the_cpu(PositiveInt size, NonNegativeInt start, NonNegativeInt length) =>
        PieceMatches(Device.Cpu, size.Get % 3000 + 1, start.Get, length.Get).ToProperty();

    [VulkanFact]
    public void A_piece_is_that_slice_of_the_whole_on_vulkan()
    {
        var random = new Random(5);
        for (int i = 0; i < 20; i++)
            Assert.True(PieceMatches(VulkanTestDevice.Backend, random.Next(1, 3000), random.Next(3000), random.Next(3000)));
    }

    [Fact]
    public void A_strided_view_or_a_piece_past_the_end_is_refused()
    {
        using var matrix = Tensor.Rand([4, 6], 1, backend: Device.Cpu);
        using var transposed = matrix.Transpose(0, 1);
        var piece = new float[4];
        Assert.Throws<InvalidOperationException>(() => transposed.CopyTo(0, piece.AsSpan()));
        Assert.Throws<ArgumentOutOfRangeException>(() => matrix.CopyTo(21, piece.AsSpan()));
        Assert.Throws<ArgumentOutOfRangeException>(() => matrix.CopyTo(-1, piece.AsSpan()));
    }

    private static bool PieceMatches(IBackend backend, int size, int rawStart, int rawLength)
    {
        // A narrowed row of a larger matrix: contiguous, but with an offset into its storage.
        using var matrix = Tensor.Rand([3, size], 7, backend: backend);
        using var row = matrix.Narrow(0, 1, 1).Reshape(size);
        int start = rawStart % size, length = rawLength % (size - start + 1);
        var piece = new float[length];
        row.CopyTo(start, piece.AsSpan());
        return piece.SequenceEqual(row.ToArray<float>().Skip(start).Take(length));
    }
}
