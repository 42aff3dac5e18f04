// KernelParityTests: the same property bodies run against every backend (candle's "one test body,
// every device"). Each property draws shapes, dtypes and layouts with FsCheck, runs the kernel on
// the backend under test and on ReferenceBackend in float64, and compares (ArrayAssert, with the op's error scale).
// A backend's test class is a subclass naming the backend and, if it must, smaller shapes or looser
// tolerances. This base assumes nothing about the device: inputs are made on the reference,
// moved with .To(Backend), viewed there, and results come back through ToDoubleArray.
// The property families live in partial files: Memory, Elementwise, Reduce, MatMul, Indexing,
// Fused, Errors. This file holds the knobs and the plumbing they share.
using MoeFromScratch.Tensors.Reference;

namespace MoeFromScratch.PropertyTests.Kernels;

public abstract partial class KernelParityTests
{
    /// <summary>Cases per property; FsCheck's sizes grow from 0, so the first cases are the edge cases.</summary>
    protected const int Cases = 40;

    protected static readonly ReferenceBackend Reference = new();

    /// <summary>The backend under test.</summary>
    protected abstract IBackend Backend { get; }

    /// <summary>Largest size drawn for any axis (a slow device may ask for less).</summary>
    protected virtual int MaxSize => 10;

    /// <summary>Allowed float32 error relative to the op's error scale (see Check).</summary>
    protected virtual double Float32Tolerance => 1e-5;

    /// <summary>
    /// Allowed bfloat16 error relative to the op's error scale. The inputs are the same bf16 numbers on
    /// both sides, so only two rounding points differ: the reference rounds its exact (float64) result
    /// y once to bf16; the backend computes y' = y + δ in float32, |δ| ≤ Float32Tolerance·scale (the
    /// float32 bound above, which already covers an accumulation of length P ≤ MaxSize), and rounds
    /// once. Each rounding moves a value by at most u = 2^-8 of it (half a bf16 ulp: 7 stored mantissa
    /// bits + the implicit one), so |bf16(y') − bf16(y)| ≤ u·|y'| + |δ| + u·|y| ≤ 2u·scale +
    /// (1 + u)·Float32Tolerance·scale, for every error scale used here (each bounds |y|). In practice the
    /// two land on the same or adjacent bf16 values, at most one ulp = 2u·|y| apart.
    /// </summary>
    protected double BFloat16Tolerance => 2 * Math.Pow(2, -8) + (1 + Math.Pow(2, -8)) * Float32Tolerance;

    /// <summary>Allowed float64 error: only summation order may differ from the reference.</summary>
    protected virtual double Float64Tolerance => 1e-12;

    /// <summary>Whether the backend checks index values itself (the Errors properties).</summary>
    protected virtual bool ChecksIndexRange => true;

    /// <summary>2^-126, the smallest normal float32.</summary>
    private const double SmallestNormalFloat32 = 1.1754943508222875e-38;

    protected double Tolerance(DType dtype) => dtype switch
    {
        DType.Float64 => Float64Tolerance,
        DType.Int32 => 0,
        DType.BFloat16 => BFloat16Tolerance,
        _ => Float32Tolerance,
    };

    // ---- drawing shapes from FsCheck's raw ints -------------------------------------------------
    // Properties take int[] and int arguments and map them here: FsCheck shrinks ints toward 0 and
    // arrays toward fewer elements, so a failure shrinks toward small sizes and low rank.

    protected static int Mod(int raw, int m) => (int)(((long)raw % m + m) % m);

    /// <summary>An axis size in 0..MaxSize, or 1..MaxSize when the kernel cannot take an empty axis.</summary>
    protected int Size(int raw, bool allowEmpty = true) => allowEmpty ? Mod(raw, MaxSize + 1) : 1 + Mod(raw, MaxSize);

    /// <summary>A shape of the given rank from the first raw entries (a missing entry gives size 1).</summary>
    protected int[] ShapeOf(int[]? raw, int rank, bool allowEmpty = true)
    {
        raw ??= [];
        return [.. Enumerable.Range(0, rank).Select(d => d < raw.Length ? Size(raw[d], allowEmpty) : 1)];
    }

    /// <summary>A rank in min..max following the raw array's length (so shrinking lowers the rank).</summary>
    protected static int RankOf(int[]? raw, int min, int max) => Math.Clamp(raw?.Length ?? 0, min, max);

    protected DType DTypeOf(FloatType type) => type switch
    {
        FloatType.Float64 when Backend.Supports(DType.Float64) => DType.Float64,
        FloatType.BFloat16 when Backend.Supports(DType.BFloat16) => DType.BFloat16,
        _ => DType.Float32,
    };

    protected DType DTypeOf(ElementType type) => type switch
    {
        ElementType.Int32 => DType.Int32,
        ElementType.Float64 => DTypeOf(FloatType.Float64),
        ElementType.BFloat16 => DTypeOf(FloatType.BFloat16),
        _ => DType.Float32,
    };

    /// <summary>The reference computes float data in float64 and index data as it is.</summary>
    protected static DType Wide(DType dtype) => dtype == DType.Int32 ? DType.Int32 : DType.Float64;

    // ---- operands --------------------------------------------------------------------------------

    /// <summary>
    /// Values uniform in [low, high) — whole numbers (truncated toward zero) when integers is set, so
    /// ties and exact comparisons occur — drawn in dtype, viewed through layout on the device.
    /// </summary>
    protected Operand Input(int[] shape, DType dtype, Layout layout, int seed, double low = -2, double high = 2, bool integers = false)
    {
        using var drawn = Tensor.Rand(layout.BaseShape(shape), (ulong)seed, low, high, integers ? DType.Int32 : dtype, Reference);
        using var values = drawn.Cast(dtype);                // drawn in the tested dtype: the widening is exact
        using var onDevice = values.To(Backend);
        using var referenceView = layout.View(values, shape);
        return new Operand(referenceView.Cast(Wide(dtype)), layout.View(onDevice, shape));
    }

    /// <summary>Int32 indices in 0..bound-1 (bound = 0 only for an empty shape).</summary>
    protected Operand Indices(int[] shape, int bound, Layout layout, int seed) =>
        Input(shape, DType.Int32, layout, seed, 0, Math.Max(bound, 1), integers: true);

    /// <summary>A contiguous Int32 operand from given values.</summary>
    protected Operand Ints(int[] values)
    {
        var reference = Tensor.FromArray(values, [values.Length], Reference);
        return new Operand(reference, reference.To(Backend));
    }

    /// <summary>A contiguous operand on both sides holding a reference result rounded to dtype (e.g. a saved rstd).</summary>
    protected Operand FromReference(Tensor result, DType dtype)
    {
        using var rounded = result.Cast(dtype);
        return new Operand(rounded.Cast(Wide(dtype)), rounded.To(Backend));
    }

    // ---- running a kernel on both sides ----------------------------------------------------------

    /// <summary>
    /// Runs kernel on the reference (reference operands, float64 outputs) and on the backend under
    /// test (device operands, outputs in the given dtypes). on(operand) picks the side's tensor.
    /// </summary>
    protected (Tensor[] Expected, Tensor[] Actual) Run(Action<IBackend, Func<Operand, Tensor>, Tensor[]> kernel, params (int[] Shape, DType DType)[] outputs)
    {
        var expected = outputs.Select(o => Tensor.Zeros(o.Shape, Wide(o.DType), Reference)).ToArray();
        var actual = outputs.Select(o => Tensor.Empty(o.Shape, o.DType, Backend)).ToArray();
        kernel(Reference, o => o.Reference, expected);
        kernel(Backend, o => o.Device, actual);
        return (expected, actual);
    }

    /// <summary>Single-output Run.</summary>
    protected (Tensor Expected, Tensor Actual) Run(int[] shape, DType dtype, Action<IBackend, Func<Operand, Tensor>, Tensor> kernel)
    {
        var (expected, actual) = Run((backend, on, y) => kernel(backend, on, y[0]), (shape, dtype));
        return (expected[0], actual[0]);
    }

    /// <summary>
    /// Compares a device result with the float64 reference rounded to the device dtype.
    /// scale (on the reference) is the op's error scale per element, |expected| when null; exact
    /// asks for bit equality, as do int32 results.
    /// </summary>
    protected void Check(string op, string context, Tensor actual, Tensor expected, Tensor? scale = null, bool exact = false)
    {
        using var rounded = expected.Cast(actual.DType);
        double rtol = exact ? 0 : Tolerance(actual.DType);
        // Float32 results below the smallest normal may be flushed to zero (Vulkan allows it; lavapipe does).
        // Allowed: max(rtol · scale, floor), written as rtol · max(scale, floor / rtol).
        double floor = exact || actual.DType != DType.Float32 ? 0 : SmallestNormalFloat32;
        var want = rounded.ToDoubleArray();
        var errorScale = scale?.ToDoubleArray() ?? Array.ConvertAll(want, Math.Abs);
        if (floor > 0) errorScale = Array.ConvertAll(errorScale, s => Math.Max(s, floor / rtol));
        ArrayAssert.Close(actual.ToDoubleArray(), want, new(0, rtol), op, "inputs: " + context, actual.Shape, errorScale);
    }

    protected static string Describe(params (string Name, Operand Operand)[] operands) =>
        string.Join("; ", operands.Select(o => o.Operand.Describe(o.Name)));
}
