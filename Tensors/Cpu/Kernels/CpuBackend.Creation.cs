// CpuBackend, Fill and Copy (Copy converts between float32, float64 and int32, truncating float to
// int toward zero). This file only picks the element types; ElementwiseKernels walks the strides.
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
            default: throw CpuTensor.Unsupported("Fill", y.DType);
        }
    }

    public void Copy(Tensor x, Tensor y) =>
        CpuTensor.ByDType("Copy", x.DType, CopyFrom<float>, CopyFrom<double>, CopyFrom<int>)(x, y);

    private static void CopyFrom<TFrom>(Tensor x, Tensor y) where TFrom : unmanaged, INumberBase<TFrom> =>
        CpuTensor.ByDType("Copy", y.DType,
            ElementwiseKernels.Copy<TFrom, float>, ElementwiseKernels.Copy<TFrom, double>, ElementwiseKernels.Copy<TFrom, int>)(x, y);
}
