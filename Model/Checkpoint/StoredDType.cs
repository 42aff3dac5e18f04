// The element types a checkpoint may hold on disk, and their conversion to and from float32 (the
// type every tensor has in memory here). bf16 is the top half of a float32, so reading is a shift
// and writing rounds to nearest, ties to even, on the 16 dropped bits; fp16 uses System.Half,
// whose float conversion rounds the same way. Not a general dtype system: no integer or fp8 data.
// Follows: the safetensors dtype names (F32, F16, BF16) and PyTorch's float → bfloat16 rounding.
using System.Buffers.Binary;
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Model.Checkpoint;

public enum StoredDType
{
    F32,
    F16,
    BF16,
}

public static class StoredDTypes
{
    public static string All => "F32, F16, BF16";

    public static int SizeInBytes(this StoredDType dtype) => dtype == StoredDType.F32 ? 4 : 2;

    /// <summary>config.json's torch_dtype for weights stored as dtype: float32, float16, bfloat16.</summary>
    public static string TorchName(this StoredDType dtype) => dtype switch
    {
        StoredDType.F32 => "float32",
        StoredDType.F16 => "float16",
        _ => "bfloat16",
    };

    public static bool TryParse(string name, out StoredDType dtype) => Enum.TryParse(name, ignoreCase: false, out dtype) && Enum.IsDefined(dtype);

    /// <summary>Little-endian bytes on disk → float32 values; bytes.Length == values.Length × size.</summary>
    public static void Decode(StoredDType dtype, ReadOnlySpan<byte> bytes, Span<float> values)
    {
        for (int i = 0; i < values.Length; i++)
            values[i] = dtype switch
            {
                StoredDType.F32 => BinaryPrimitives.ReadSingleLittleEndian(bytes[(4 * i)..]),
                StoredDType.F16 => (float)BinaryPrimitives.ReadHalfLittleEndian(bytes[(2 * i)..]),
                _ => FromBFloat16(BinaryPrimitives.ReadUInt16LittleEndian(bytes[(2 * i)..])),
            };
    }

    /// <summary>float32 values → little-endian bytes on disk, rounding to nearest even where narrower.</summary>
    public static void Encode(StoredDType dtype, ReadOnlySpan<float> values, Span<byte> bytes)
    {
        for (int i = 0; i < values.Length; i++)
        {
            switch (dtype)
            {
                case StoredDType.F32: BinaryPrimitives.WriteSingleLittleEndian(bytes[(4 * i)..], values[i]); break;
                case StoredDType.F16: BinaryPrimitives.WriteHalfLittleEndian(bytes[(2 * i)..], (Half)values[i]); break;
                default: BinaryPrimitives.WriteUInt16LittleEndian(bytes[(2 * i)..], ToBFloat16(values[i])); break;
            }
        }
    }

    // The conversions are the tensors' own (Tensors/Core/BFloat16.cs), so a bf16 checkpoint and a bf16
    // tensor round alike.
    public static float FromBFloat16(ushort bits) => new BFloat16(bits).ToSingle();

    public static ushort ToBFloat16(float value) => BFloat16.FromSingle(value).Bits;
}
