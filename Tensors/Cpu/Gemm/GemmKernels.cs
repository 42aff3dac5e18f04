// The micro-kernel contract: one MR x NR tile of C from packed slivers of A (MR values per P step)
// and B (NR values per P step), as in the BLIS/GotoBLAS decomposition. Implementations are structs
// so that the driver, generic over the kernel type, is specialised and the kernel inlined per ISA.
// This file holds the contract, the kernel choice and what every kernel does to its C tile; not the
// kernels, not the blocking.
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using X86 = System.Runtime.Intrinsics.X86;

namespace MoeFromScratch.Tensors.Cpu;

internal unsafe interface IGemmKernel<T> where T : unmanaged, INumber<T>
{
    /// <summary>Rows of the C tile (and of a packed A sliver).</summary>
    static abstract int MR { get; }

    /// <summary>Columns of the C tile (and of a packed B sliver).</summary>
    static abstract int NR { get; }

    /// <summary>
    /// C[0..MR, 0..NR] (=|+=) sum_p a[p*MR + i] * b[p*NR + j]. a and b are packed and zero-padded,
    /// b is 64-byte aligned. C has row stride ldc and must hold the whole tile.
    /// </summary>
    static abstract void Run(int pc, T* a, T* b, T* c, long ldc, bool accumulate);
}

/// <summary>Which micro-kernel family a multiply uses.</summary>
internal enum GemmIsa
{
    Scalar,
    Vector256,
    Vector512,
}

internal static class GemmIsaSelection
{
    /// <summary>The widest family the hardware accelerates.</summary>
    public static readonly GemmIsa Detected =
        Vector512.IsHardwareAccelerated ? GemmIsa.Vector512
        : Vector256.IsHardwareAccelerated ? GemmIsa.Vector256
        : GemmIsa.Scalar;

    // Per thread, so a test forcing a kernel does not change what concurrently running tests get.
    [ThreadStatic] private static GemmIsa? t_override;

    /// <summary>
    /// Tests set this to run every kernel family on any machine (Vector512 is emulated, slowly but
    /// exactly, where it is not accelerated). Null means use <see cref="Detected"/>. Read by the calling
    /// thread at dispatch, so it also governs the pool workers serving that call.
    /// </summary>
    public static GemmIsa? Override { get => t_override; set => t_override = value; }

    public static GemmIsa Current => Override ?? Detected;
}

internal static unsafe class GemmTile
{
    /// <summary>
    /// Starts fetching a rows x columns tile of C (row stride ldc) into L1. A kernel writes its tile
    /// once, at the end; issued first, the misses overlap the P loop instead of following it (at 2048^3
    /// on one AVX-512 core, where C is 16 MB, this took the Vector512 kernel from 120 to 150 GFLOPS).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Prefetch<T>(T* c, long ldc, int rows, int columns) where T : unmanaged
    {
        if (!X86.Sse.IsSupported) return;
        for (int i = 0; i < rows; i++)
        {
            // First and last element: an unaligned row of the tile can straddle cache lines.
            X86.Sse.Prefetch0(c + i * ldc);
            X86.Sse.Prefetch0(c + i * ldc + columns - 1);
        }
    }
}
