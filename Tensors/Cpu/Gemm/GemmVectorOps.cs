// The vector operations the SIMD micro-kernel (GemmKernelSimd) is written in, one small struct per
// register width: Vector256 (AVX2 + FMA: 16 ymm registers) and Vector512 (AVX-512: 32 zmm). The
// kernel is generic over them and the JIT specialises it per struct, so each width gets its own
// machine code from one source, with every call below inlined to one instruction.
// Not the kernel (GemmKernelSimd.cs), not the choice of width (GemmKernels.cs).
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using X86 = System.Runtime.Intrinsics.X86;

namespace MoeFromScratch.Tensors.Cpu;

internal unsafe interface IGemmVectorOps<T, TVector> where T : unmanaged, INumber<T> where TVector : struct
{
    /// <summary>Elements of T in one vector.</summary>
    static abstract int Count { get; }

    /// <summary>A vector from a 64-byte-aligned address (the packed B sliver).</summary>
    static abstract TVector LoadAligned(T* source);

    static abstract TVector Load(T* source);

    static abstract void Store(T* destination, TVector value);

    /// <summary>Every lane set to value (one element of the packed A sliver).</summary>
    static abstract TVector Broadcast(T value);

    /// <summary>x * y + acc, fused (one rounding) where the hardware can.</summary>
    static abstract TVector MulAdd(TVector x, TVector y, TVector acc);

    static abstract TVector Add(TVector x, TVector y);
}

internal readonly unsafe struct Vector256Ops<T> : IGemmVectorOps<T, Vector256<T>> where T : unmanaged, INumber<T>
{
    public static int Count => Vector256<T>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> LoadAligned(T* source) => Vector256.LoadAligned(source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Load(T* source) => Vector256.Load(source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(T* destination, Vector256<T> value) => value.Store(destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Broadcast(T value) => Vector256.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> MulAdd(Vector256<T> x, Vector256<T> y, Vector256<T> acc)
    {
        // typeof(T) tests are JIT-time constants, so each instantiation keeps one branch.
        if (X86.Fma.IsSupported)
        {
            if (typeof(T) == typeof(float))
                return X86.Fma.MultiplyAdd(x.AsSingle(), y.AsSingle(), acc.AsSingle()).As<float, T>();
            if (typeof(T) == typeof(double))
                return X86.Fma.MultiplyAdd(x.AsDouble(), y.AsDouble(), acc.AsDouble()).As<double, T>();
        }
        return x * y + acc;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Add(Vector256<T> x, Vector256<T> y) => x + y;
}

internal readonly unsafe struct Vector512Ops<T> : IGemmVectorOps<T, Vector512<T>> where T : unmanaged, INumber<T>
{
    public static int Count => Vector512<T>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> LoadAligned(T* source) => Vector512.LoadAligned(source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Load(T* source) => Vector512.Load(source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(T* destination, Vector512<T> value) => value.Store(destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Broadcast(T value) => Vector512.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> MulAdd(Vector512<T> x, Vector512<T> y, Vector512<T> acc)
    {
        // Emulated exactly (per lane) where Vector512 is not accelerated: tests run it everywhere.
        if (typeof(T) == typeof(float))
            return Vector512.FusedMultiplyAdd(x.AsSingle(), y.AsSingle(), acc.AsSingle()).As<float, T>();
        if (typeof(T) == typeof(double))
            return Vector512.FusedMultiplyAdd(x.AsDouble(), y.AsDouble(), acc.AsDouble()).As<double, T>();
        return x * y + acc;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Add(Vector512<T> x, Vector512<T> y) => x + y;
}
