// Bf16Conversions: the Copy kernels into and out of BFloat16 storage (float32, float64 and int32 on
// the other side), walking strides like ElementwiseKernels.Copy. bf16 → float32 is exact (a shift);
// float32 → bf16 rounds to nearest even (BFloat16.Narrow, vectorised on contiguous runs); float64
// and int32 → bf16 round once from the double (BFloat16.FromDouble), as the reference stores do;
// bf16 → int32 truncates toward zero like every float → int copy.
// It deliberately is not: arithmetic on bf16 (kernels widen: Cpu/Kernels/Bf16Widening.cs).
namespace MoeFromScratch.Tensors.Cpu;

internal static unsafe class Bf16Conversions
{
    /// <summary>y = x converted, one side (or both) BFloat16.</summary>
    public static void Copy(Tensor x, Tensor y)
    {
        var layout = CpuTensor.Layout(y.Shape, y.Strides, x.Strides);
        var offsets = CpuTensor.Offsets(y, x);
        switch (x.DType, y.DType)
        {
            case (DType.BFloat16, DType.BFloat16): Run<BFloat16, BFloat16, Same>(layout, offsets, x, y); break;
            case (DType.BFloat16, DType.Float32): Run<BFloat16, float, ToFloat32>(layout, offsets, x, y); break;
            case (DType.BFloat16, DType.Float64): Run<BFloat16, double, ToFloat64>(layout, offsets, x, y); break;
            case (DType.BFloat16, DType.Int32): Run<BFloat16, int, ToInt32>(layout, offsets, x, y); break;
            case (DType.Float32, DType.BFloat16): Run<float, BFloat16, FromFloat32>(layout, offsets, x, y); break;
            case (DType.Float64, DType.BFloat16): Run<double, BFloat16, FromFloat64>(layout, offsets, x, y); break;
            case (DType.Int32, DType.BFloat16): Run<int, BFloat16, FromInt32>(layout, offsets, x, y); break;
            default: throw CpuTensor.Unsupported($"Copy {x.DType.Name()}->{y.DType.Name()}", y.DType);
        }
    }

    private static void Run<TFrom, TTo, TConversion>(StridedLayout layout, OperandValues offsets, Tensor x, Tensor y)
        where TFrom : unmanaged where TTo : unmanaged where TConversion : IConversion<TFrom, TTo> =>
        CpuParallel.ForEach(layout, offsets, new ConvertKernel<TFrom, TTo, TConversion>(CpuTensor.Data<TTo>("Copy", y), CpuTensor.Data<TFrom>("Copy", x)));

    internal interface IConversion<TFrom, TTo>
    {
        static abstract TTo Convert(TFrom x);

        /// <summary>A contiguous run converted Vector wide, if the conversion has a vector form (else false: the kernel loops).</summary>
        static virtual bool ConvertRun(ReadOnlySpan<TFrom> x, Span<TTo> y) => false;
    }

    private readonly struct Same : IConversion<BFloat16, BFloat16>
    {
        public static BFloat16 Convert(BFloat16 x) => x;
    }

    private readonly struct ToFloat32 : IConversion<BFloat16, float>
    {
        public static float Convert(BFloat16 x) => x.ToSingle();

        public static bool ConvertRun(ReadOnlySpan<BFloat16> x, Span<float> y)
        {
            BFloat16.Widen(x, y);
            return true;
        }
    }

    private readonly struct ToFloat64 : IConversion<BFloat16, double>
    {
        public static double Convert(BFloat16 x) => x.ToSingle();
    }

    private readonly struct ToInt32 : IConversion<BFloat16, int>
    {
        public static int Convert(BFloat16 x) => int.CreateTruncating(x.ToSingle());
    }

    private readonly struct FromFloat32 : IConversion<float, BFloat16>
    {
        public static BFloat16 Convert(float x) => BFloat16.FromSingle(x);

        public static bool ConvertRun(ReadOnlySpan<float> x, Span<BFloat16> y)
        {
            BFloat16.Narrow(x, y);
            return true;
        }
    }

    private readonly struct FromFloat64 : IConversion<double, BFloat16>
    {
        public static BFloat16 Convert(double x) => BFloat16.FromDouble(x);
    }

    private readonly struct FromInt32 : IConversion<int, BFloat16>
    {
        public static BFloat16 Convert(int x) => BFloat16.FromDouble(x);
    }

    private readonly struct ConvertKernel<TFrom, TTo, TConversion>(TTo* y, TFrom* x) : IRunKernel
        where TFrom : unmanaged where TTo : unmanaged where TConversion : IConversion<TFrom, TTo>
    {
        public void Run(in OperandValues offsets, in OperandValues steps, int count)
        {
            TTo* yp = y + offsets[0];
            TFrom* xp = x + offsets[1];
            long sy = steps[0], sx = steps[1];
            if (sy == 1 && sx == 1 && TConversion.ConvertRun(new ReadOnlySpan<TFrom>(xp, count), new Span<TTo>(yp, count))) return;
            if (sx == 0) ElementwiseKernels.FillRun(yp, sy, count, TConversion.Convert(*xp));
            else for (int i = 0; i < count; i++) yp[i * sy] = TConversion.Convert(xp[i * sx]);
        }
    }
}
