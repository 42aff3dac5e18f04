// CpuBackend, Fill and Copy (Copy converts between float32, float64, int32 and bfloat16, truncating
// float to int toward zero; bfloat16's conversions: Elementwise/Bf16Conversions.cs). This file only picks the element types; ElementwiseKernels walks the strides.
using System.Numerics;

namespace MoeFromScratch.Tensors.Cpu;

public sealed unsafe partial class CpuBackend
{
    public void Fill(Tensor y, double value)
    {
        switch (y.DType)
        {
            case DType.Float32: ElementwiseKernels.Fill(y, (float)value); break;
            case DType.Float64: ElementwiseKernels.Fill(y, value); break;
            case DType.Int32: ElementwiseKernels.Fill(y, int.CreateTruncating(value)); break;
            case DType.BFloat16: ElementwiseKernels.Fill(y, BFloat16.FromDouble(value)); break;
            default: throw CpuTensor.Unsupported("Fill", y.DType);
        }
    }

    public void Copy(Tensor x, Tensor y)
    {
        if (x.DType == DType.BFloat16 || y.DType == DType.BFloat16) Bf16Conversions.Copy(x, y);
        else CpuTensor.ByDType("Copy", x.DType, CopyFrom<float>, CopyFrom<double>, CopyFrom<int>)(x, y);
    }

    private static void CopyFrom<TFrom>(Tensor x, Tensor y) where TFrom : unmanaged, INumberBase<TFrom> =>
        CpuTensor.ByDType("Copy", y.DType,
            ElementwiseKernels.Copy<TFrom, float>, ElementwiseKernels.Copy<TFrom, double>, ElementwiseKernels.Copy<TFrom, int>)(x, y);
}
