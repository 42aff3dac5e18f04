// GemmOperand: how packing reads an element of A or B into the micro-kernel's type T. An operand is
// stored either as T itself (float, double) or as BFloat16 for a float kernel. Widening bf16 to
// float is exact (a 16-bit shift), and packing copies every operand element once anyway, so doing it
// here costs no extra pass: a bf16 GEMM runs the float micro-kernel on the same packed layout and is
// bitwise the float GEMM of the widened operands, at half the operand bytes read from memory.
// The typeof tests are constants for each instantiation; the JIT keeps only the taken branch.
// Not the packing layout (GemmPacking), not the rounding of bf16 outputs (the caller narrows C).
using System.Runtime.CompilerServices;

namespace MoeFromScratch.Tensors.Cpu;

internal static unsafe class GemmOperand
{
    /// <summary>True for the (storage, kernel) pairs the GEMM runs: T as itself, and bf16 into float.</summary>
    public static bool Supports<TIn, T>() where TIn : unmanaged where T : unmanaged =>
        typeof(TIn) == typeof(T) || (typeof(TIn) == typeof(BFloat16) && typeof(T) == typeof(float));

    /// <summary>*p as the kernel's type.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Load<TIn, T>(TIn* p) where TIn : unmanaged where T : unmanaged
    {
        if (typeof(TIn) == typeof(T)) return *(T*)p;
        float wide = ((BFloat16*)p)->ToSingle();
        return Unsafe.As<float, T>(ref wide);
    }

    /// <summary>dst[0..n) = src[0..n) as the kernel's type; a block copy, or a vector-wide widening.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void LoadRun<TIn, T>(T* dst, TIn* src, int n) where TIn : unmanaged where T : unmanaged
    {
        if (typeof(TIn) == typeof(T)) Unsafe.CopyBlockUnaligned(dst, src, (uint)(n * sizeof(T)));
        else BFloat16.Widen(new ReadOnlySpan<BFloat16>(src, n), new Span<float>(dst, n));
    }
}
