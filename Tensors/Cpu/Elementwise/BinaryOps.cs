// BinaryOps: the math of each BinaryOp, once per op. A binary op sees three run shapes — both
// operands contiguous, or one of them a broadcast scalar (stride 0) — and overrides each with a
// TensorPrimitives call where one exists; anything else falls back to the scalar Apply.
// Add, Max and Min double as reductions (IReduceOp): their Reduce folds a whole run to one value.
//
// It deliberately is not: the walking over strides (ElementwiseKernels) nor dtype dispatch.
// The op structs are alike on purpose: a table, one struct per op, that the JIT specialises into
// its own loop; sharing their bodies would need a virtual call per element.
// Follows: IBackend's BinaryOp list; comparisons write 1 or 0 in the output dtype (NaN compares
// unequal to everything, so Ne gives 1 and the others 0, as in the reference).
using System.Numerics;
using System.Numerics.Tensors;

namespace MoeFromScratch.Tensors.Cpu;

internal interface IBinaryOp<TSelf, T> where TSelf : IBinaryOp<TSelf, T>
{
    static abstract T Apply(T a, T b);

    static virtual void Apply(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y)
    {
        for (int i = 0; i < y.Length; i++) y[i] = TSelf.Apply(a[i], b[i]);
    }

    static virtual void Apply(ReadOnlySpan<T> a, T b, Span<T> y)
    {
        for (int i = 0; i < y.Length; i++) y[i] = TSelf.Apply(a[i], b);
    }

    static virtual void Apply(T a, ReadOnlySpan<T> b, Span<T> y)
    {
        for (int i = 0; i < y.Length; i++) y[i] = TSelf.Apply(a, b[i]);
    }
}

/// <summary>A binary op that is also an associative reduction (Sum, Max, Min).</summary>
internal interface IReduceOp<TSelf, T> : IBinaryOp<TSelf, T> where TSelf : IReduceOp<TSelf, T>
{
    /// <summary>The op folded over a contiguous run (not empty).</summary>
    static abstract T Reduce(ReadOnlySpan<T> x);
}

/// <summary>A comparison: Test decides (per element, or per Vector lane as an all-ones mask), the op writes 1 or 0.</summary>
internal interface IComparison<T>
{
    static abstract bool Test(T a, T b);
    static abstract Vector<T> Test(Vector<T> a, Vector<T> b);
}

internal static class BinaryOps
{
    public struct Add<T> : IReduceOp<Add<T>, T> where T : INumber<T>
    {
        public static T Apply(T a, T b) => a + b;
        public static void Apply(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y) => TensorPrimitives.Add(a, b, y);
        public static void Apply(ReadOnlySpan<T> a, T b, Span<T> y) => TensorPrimitives.Add(a, b, y);
        public static void Apply(T a, ReadOnlySpan<T> b, Span<T> y) => TensorPrimitives.Add(b, a, y);
        public static T Reduce(ReadOnlySpan<T> x) => TensorPrimitives.Sum(x);
    }

    public struct Sub<T> : IBinaryOp<Sub<T>, T> where T : INumber<T>
    {
        public static T Apply(T a, T b) => a - b;
        public static void Apply(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y) => TensorPrimitives.Subtract(a, b, y);
        public static void Apply(ReadOnlySpan<T> a, T b, Span<T> y) => TensorPrimitives.Subtract(a, b, y);
        public static void Apply(T a, ReadOnlySpan<T> b, Span<T> y) => TensorPrimitives.Subtract(a, b, y);
    }

    public struct Mul<T> : IBinaryOp<Mul<T>, T> where T : INumber<T>
    {
        public static T Apply(T a, T b) => a * b;
        public static void Apply(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y) => TensorPrimitives.Multiply(a, b, y);
        public static void Apply(ReadOnlySpan<T> a, T b, Span<T> y) => TensorPrimitives.Multiply(a, b, y);
        public static void Apply(T a, ReadOnlySpan<T> b, Span<T> y) => TensorPrimitives.Multiply(b, a, y);
    }

    /// <summary>Maximum; NaN wins (IEEE 754-2019 maximum, like Math.Max).</summary>
    public struct Max<T> : IReduceOp<Max<T>, T> where T : INumber<T>
    {
        public static T Apply(T a, T b) => T.Max(a, b);
        public static void Apply(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y) => TensorPrimitives.Max(a, b, y);
        public static void Apply(ReadOnlySpan<T> a, T b, Span<T> y) => TensorPrimitives.Max(a, b, y);
        public static void Apply(T a, ReadOnlySpan<T> b, Span<T> y) => TensorPrimitives.Max(b, a, y);
        public static T Reduce(ReadOnlySpan<T> x) => TensorPrimitives.Max(x);
    }

    public struct Min<T> : IReduceOp<Min<T>, T> where T : INumber<T>
    {
        public static T Apply(T a, T b) => T.Min(a, b);
        public static void Apply(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y) => TensorPrimitives.Min(a, b, y);
        public static void Apply(ReadOnlySpan<T> a, T b, Span<T> y) => TensorPrimitives.Min(a, b, y);
        public static void Apply(T a, ReadOnlySpan<T> b, Span<T> y) => TensorPrimitives.Min(b, a, y);
        public static T Reduce(ReadOnlySpan<T> x) => TensorPrimitives.Min(x);
    }

    public struct Div<T> : IBinaryOp<Div<T>, T> where T : IFloatingPointIeee754<T>
    {
        public static T Apply(T a, T b) => a / b;
        public static void Apply(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y) => TensorPrimitives.Divide(a, b, y);
        public static void Apply(ReadOnlySpan<T> a, T b, Span<T> y) => TensorPrimitives.Divide(a, b, y);
        public static void Apply(T a, ReadOnlySpan<T> b, Span<T> y) => TensorPrimitives.Divide(a, b, y);
    }

    public struct Pow<T> : IBinaryOp<Pow<T>, T> where T : IFloatingPointIeee754<T>
    {
        public static T Apply(T a, T b) => T.Pow(a, b);
        public static void Apply(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y) => TensorPrimitives.Pow(a, b, y);
        public static void Apply(ReadOnlySpan<T> a, T b, Span<T> y) => TensorPrimitives.Pow(a, b, y);
        public static void Apply(T a, ReadOnlySpan<T> b, Span<T> y) => TensorPrimitives.Pow(a, b, y);
    }

    /// <summary>SwiGLU forward silu(a)·b; contiguous runs in chunks that stay in cache (σ, then two products), safe when y is a or b.</summary>
    public struct SiluMul<T> : IBinaryOp<SiluMul<T>, T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static T Apply(T a, T b) => a * UnaryOps.Sigmoid<T>.Apply(a) * b;

        public static void Apply(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y)
        {
            Span<T> s = stackalloc T[Chunk];
            for (int start = 0; start < y.Length; start += Chunk)
            {
                int n = Math.Min(Chunk, y.Length - start);
                ReadOnlySpan<T> ra = a.Slice(start, n), rb = b.Slice(start, n);
                var rs = s[..n];
                TensorPrimitives.Sigmoid(ra, rs);
                TensorPrimitives.Multiply(rs, ra, rs);
                TensorPrimitives.Multiply(rs, rb, y.Slice(start, n));
            }
        }
    }

    /// <summary>SwiGLU's dgate b·silu'(a) = b·σ(a)·(1 + a·(1 − σ(a))), chunked like SiluMul.</summary>
    public struct SiluGrad<T> : IBinaryOp<SiluGrad<T>, T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static T Apply(T a, T b)
        {
            T s = UnaryOps.Sigmoid<T>.Apply(a);
            return b * s * (T.One + a * (T.One - s));
        }

        public static void Apply(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y)
        {
            Span<T> s = stackalloc T[Chunk], t = stackalloc T[Chunk];
            for (int start = 0; start < y.Length; start += Chunk)
            {
                int n = Math.Min(Chunk, y.Length - start);
                ReadOnlySpan<T> ra = a.Slice(start, n), rb = b.Slice(start, n);
                Span<T> rs = s[..n], rt = t[..n];
                TensorPrimitives.Sigmoid(ra, rs);
                TensorPrimitives.Subtract(T.One, rs, rt);                 // 1 − σ
                TensorPrimitives.FusedMultiplyAdd(ra, rt, T.One, rt);     // 1 + a·(1 − σ)
                TensorPrimitives.Multiply(rt, rs, rt);
                TensorPrimitives.Multiply(rt, rb, y.Slice(start, n));
            }
        }
    }

    /// <summary>Elements per cache-resident chunk of the fused SwiGLU ops (two chunks of float64 are 4 KiB of stack).</summary>
    private const int Chunk = 256;

    /// <summary>Integer division truncating toward zero (C's a / b).</summary>
    public struct IntegerDiv<T> : IBinaryOp<IntegerDiv<T>, T> where T : IBinaryInteger<T>
    {
        public static T Apply(T a, T b) => a / b;
    }

    /// <summary>Integer power through float64, truncated toward zero (exact for the small powers indices need).</summary>
    public struct IntegerPow<T> : IBinaryOp<IntegerPow<T>, T> where T : IBinaryInteger<T>
    {
        public static T Apply(T a, T b) => T.CreateTruncating(Math.Pow(double.CreateChecked(a), double.CreateChecked(b)));
    }

    /// <summary>Any comparison as a binary op writing 1 or 0, Vector<T> wide on contiguous runs.</summary>
    public struct Compare<T, TTest> : IBinaryOp<Compare<T, TTest>, T> where T : INumber<T> where TTest : IComparison<T>
    {
        public static T Apply(T a, T b) => TTest.Test(a, b) ? T.One : T.Zero;
        public static void Apply(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y) => Run(a, b, y);
        public static void Apply(ReadOnlySpan<T> a, T b, Span<T> y) => Run(a, new ReadOnlySpan<T>(in b), y);
        public static void Apply(T a, ReadOnlySpan<T> b, Span<T> y) => Run(new ReadOnlySpan<T>(in a), b, y);

        /// <summary>An operand of length 1 is a broadcast scalar.</summary>
        private static void Run(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y)
        {
            bool aScalar = a.Length == 1, bScalar = b.Length == 1;
            int i = 0, width = Vector<T>.Count;
            if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
            {
                Vector<T> one = Vector<T>.One, va = new(a[0]), vb = new(b[0]);
                for (; i <= y.Length - width; i += width)
                {
                    var mask = TTest.Test(aScalar ? va : new Vector<T>(a[i..]), bScalar ? vb : new Vector<T>(b[i..]));
                    (mask & one).CopyTo(y[i..]); // all-ones lanes keep the bits of 1, the rest become 0
                }
            }
            for (; i < y.Length; i++) y[i] = Apply(a[aScalar ? 0 : i], b[bScalar ? 0 : i]);
        }
    }

    public struct Eq<T> : IComparison<T> where T : INumber<T>
    {
        public static bool Test(T a, T b) => a == b;
        public static Vector<T> Test(Vector<T> a, Vector<T> b) => Vector.Equals(a, b);
    }

    public struct Ne<T> : IComparison<T> where T : INumber<T>
    {
        public static bool Test(T a, T b) => a != b;
        public static Vector<T> Test(Vector<T> a, Vector<T> b) => ~Vector.Equals(a, b);
    }

    public struct Lt<T> : IComparison<T> where T : INumber<T>
    {
        public static bool Test(T a, T b) => a < b;
        public static Vector<T> Test(Vector<T> a, Vector<T> b) => Vector.LessThan(a, b);
    }

    public struct Le<T> : IComparison<T> where T : INumber<T>
    {
        public static bool Test(T a, T b) => a <= b;
        public static Vector<T> Test(Vector<T> a, Vector<T> b) => Vector.LessThanOrEqual(a, b);
    }

    public struct Gt<T> : IComparison<T> where T : INumber<T>
    {
        public static bool Test(T a, T b) => a > b;
        public static Vector<T> Test(Vector<T> a, Vector<T> b) => Vector.GreaterThan(a, b);
    }

    public struct Ge<T> : IComparison<T> where T : INumber<T>
    {
        public static bool Test(T a, T b) => a >= b;
        public static Vector<T> Test(Vector<T> a, Vector<T> b) => Vector.GreaterThanOrEqual(a, b);
    }
}
