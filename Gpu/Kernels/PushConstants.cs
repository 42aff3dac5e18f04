// PushConstants: the bytes of one dispatch's push-constant block, written field by field in the
// order the shader's `layout(push_constant)` block declares them (every field is a 32-bit word,
// arrays padded to their declared length), so each call site reads like the GLSL block it fills.
using System.Runtime.InteropServices;

namespace MoeFromScratch.Gpu.Kernels;

internal sealed class PushConstants
{
    private readonly uint[] _words = new uint[Runtime.KernelCache.PushConstantBytes / 4];
    private int _count;

    public PushConstants U(uint value) { Append(value); return this; }
    public PushConstants U(long value) { Append(checked((uint)value)); return this; }
    public PushConstants I(int value) { Append((uint)value); return this; }
    public PushConstants I(long value) { Append((uint)checked((int)value)); return this; }
    public PushConstants F(double value) { Append(BitConverter.SingleToUInt32Bits((float)value)); return this; }

    /// <summary>An int array field of the given declared length (unused tail words are 0).</summary>
    public PushConstants Ints(ReadOnlySpan<int> values, int length)
    {
        for (int i = 0; i < length; i++) Append(i < values.Length ? (uint)values[i] : 0);
        return this;
    }

    public ReadOnlySpan<byte> Bytes => MemoryMarshal.AsBytes(_words.AsSpan(0, _count));

    private void Append(uint word)
    {
        if (_count == _words.Length)
            throw new InvalidOperationException($"push constants exceed {Runtime.KernelCache.PushConstantBytes} bytes");
        _words[_count++] = word;
    }
}
