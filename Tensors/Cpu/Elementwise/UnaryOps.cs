// UnaryOps: the math of each UnaryOp, once per op, for every element type it makes sense for.
// Each op is a struct with a scalar Apply and, where TensorPrimitives has the operation, a span
// Apply that runs it vectorised over a contiguous run; ops without one fall back to the scalar loop.
//
// It deliberately is not: the walking over strides (ElementwiseKernels does that), nor dispatch
// on dtype (CpuBackend.Elementwise does that). The op structs are alike on purpose: a table, one
// struct per op, that the JIT specialises into its own loop (no virtual call per element).
// Follows: IBackend's UnaryOp list; the semantics match ReferenceBackend's scalar loops.
using System.Numerics;
using System.Numerics.Tensors;

namespace MoeFromScratch.Tensors.Cpu;

internal interface IUnaryOp<TSelf, T> where TSelf : IUnaryOp<TSelf, T>
{
    static abstract T Apply(T x);

    /// <summary>y[i] = Apply(x[i]) over a contiguous run; ops override it with a vectorised version.</summary>
    static virtual void Apply(ReadOnlySpan<T> x, Span<T> y)
    {
        for (int i = 0; i < x.Length; i++) y[i] = TSelf.Apply(x[i]);
    }
}

internal static class UnaryOps
{
    // ---- ops for every number type (Int32 too) -------------------------------------------------
    public struct Neg<T> : IUnaryOp<Neg<T>, T> where T : INumber<T>
    {
        public static T Apply(T x) => -x;
        public static void Apply(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Negate(x, y);
    }

    public struct Abs<T> : IUnaryOp<Abs<T>, T> where T : INumber<T>
    {
        public static T Apply(T x) => T.Abs(x);
        public static void Apply(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Abs(x, y);
    }

    /// <summary>-1, 0 or 1; keeps ±0 and NaN as they are (T.Sign would throw on NaN).</summary>
    public struct Sign<T> : IUnaryOp<Sign<T>, T> where T : INumber<T>
    {
        public static T Apply(T x) => x > T.Zero ? T.One : x < T.Zero ? -T.One : x;
    }

    public struct Square<T> : IUnaryOp<Square<T>, T> where T : INumber<T>
    {
        public static T Apply(T x) => x * x;
        public static void Apply(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Multiply(x, x, y);
    }

    public struct Relu<T> : IUnaryOp<Relu<T>, T> where T : INumber<T>
    {
        public static T Apply(T x) => x > T.Zero ? x : T.Zero;
    }

    // ---- floating-point ops --------------------------------------------------------------------
    public struct Exp<T> : IUnaryOp<Exp<T>, T> where T : IFloatingPointIeee754<T>
    {
        public static T Apply(T x) => T.Exp(x);
        public static void Apply(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Exp(x, y);
    }

    public struct Log<T> : IUnaryOp<Log<T>, T> where T : IFloatingPointIeee754<T>
    {
        public static T Apply(T x) => T.Log(x);
        public static void Apply(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Log(x, y);
    }

    public struct Sqrt<T> : IUnaryOp<Sqrt<T>, T> where T : IFloatingPointIeee754<T>
    {
        public static T Apply(T x) => T.Sqrt(x);
        public static void Apply(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Sqrt(x, y);
    }

    public struct Rsqrt<T> : IUnaryOp<Rsqrt<T>, T> where T : IFloatingPointIeee754<T>
    {
        public static T Apply(T x) => T.One / T.Sqrt(x);
        public static void Apply(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.ReciprocalSqrt(x, y);
    }

    public struct Reciprocal<T> : IUnaryOp<Reciprocal<T>, T> where T : IFloatingPointIeee754<T>
    {
        public static T Apply(T x) => T.One / x;
        public static void Apply(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Reciprocal(x, y);
    }

    public struct Sigmoid<T> : IUnaryOp<Sigmoid<T>, T> where T : IFloatingPointIeee754<T>
    {
        public static T Apply(T x) => T.One / (T.One + T.Exp(-x));
        public static void Apply(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Sigmoid(x, y);
    }

    public struct Tanh<T> : IUnaryOp<Tanh<T>, T> where T : IFloatingPointIeee754<T>
    {
        public static T Apply(T x) => T.Tanh(x);
        public static void Apply(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Tanh(x, y);
    }

    /// <summary>silu(x) = x · sigmoid(x).</summary>
    public struct Silu<T> : IUnaryOp<Silu<T>, T> where T : IFloatingPointIeee754<T>
    {
        public static T Apply(T x) => x * Sigmoid<T>.Apply(x);

        public static void Apply(ReadOnlySpan<T> x, Span<T> y)
        {
            // Two vectorised passes over a run that is still in cache; y must not alias x.
            TensorPrimitives.Sigmoid(x, y);
            TensorPrimitives.Multiply(x, y, y);
        }
    }

    public struct Sin<T> : IUnaryOp<Sin<T>, T> where T : IFloatingPointIeee754<T>
    {
        public static T Apply(T x) => T.Sin(x);
        public static void Apply(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Sin(x, y);
    }

    public struct Cos<T> : IUnaryOp<Cos<T>, T> where T : IFloatingPointIeee754<T>
    {
        public static T Apply(T x) => T.Cos(x);
        public static void Apply(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Cos(x, y);
    }
}
