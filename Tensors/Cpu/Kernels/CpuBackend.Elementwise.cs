// CpuBackend, elementwise kernels: Unary, Binary, BinaryScalar, Where (Fill and Copy: CpuBackend.Creation.cs).
// This file only picks the element type and the op struct; ElementwiseKernels walks the strides,
// UnaryOps / BinaryOps do the math. Int32 gets the ops that make sense for integers: no Exp or Sqrt; Div truncates toward zero.
// Its opening (the partial class, the kernel's entry, its argument checks) is every backend section's, alike on purpose.
using System.Numerics;

namespace MoeFromScratch.Tensors.Cpu;

public sealed unsafe partial class CpuBackend
{
    // ---- unary ---------------------------------------------------------------------------------

    public void Unary(UnaryOp op, Tensor x, Tensor y)
    {
        if (Bf16Widening.Applies(x, y)) { Bf16Widening.Run("rw", [x, y], (this, op), static (t, s) => s.Item1.Unary(s.op, t[0], t[1])); return; }
        CpuTensor.ByDType(op.ToString(), y.DType, FloatUnary<float>, FloatUnary<double>, NumberUnary<int>)(op, x, y);
    }

    // FloatUnary, NumberUnary and the binary ones below are tables on purpose: one case per op,
    // naming the op struct the JIT specialises the strided walk for.
    private static void FloatUnary<T>(UnaryOp op, Tensor x, Tensor y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (op)
        {
            case UnaryOp.Exp: ElementwiseKernels.Unary<T, UnaryOps.Exp<T>>(x, y); break;
            case UnaryOp.Log: ElementwiseKernels.Unary<T, UnaryOps.Log<T>>(x, y); break;
            case UnaryOp.Sqrt: ElementwiseKernels.Unary<T, UnaryOps.Sqrt<T>>(x, y); break;
            case UnaryOp.Rsqrt: ElementwiseKernels.Unary<T, UnaryOps.Rsqrt<T>>(x, y); break;
            case UnaryOp.Reciprocal: ElementwiseKernels.Unary<T, UnaryOps.Reciprocal<T>>(x, y); break;
            case UnaryOp.Sigmoid: ElementwiseKernels.Unary<T, UnaryOps.Sigmoid<T>>(x, y); break;
            case UnaryOp.Tanh: ElementwiseKernels.Unary<T, UnaryOps.Tanh<T>>(x, y); break;
            case UnaryOp.Silu: ElementwiseKernels.Unary<T, UnaryOps.Silu<T>>(x, y); break;
            case UnaryOp.Sin: ElementwiseKernels.Unary<T, UnaryOps.Sin<T>>(x, y); break;
            case UnaryOp.Cos: ElementwiseKernels.Unary<T, UnaryOps.Cos<T>>(x, y); break;
            default: NumberUnary<T>(op, x, y); break;
        }
    }

    private static void NumberUnary<T>(UnaryOp op, Tensor x, Tensor y) where T : unmanaged, INumber<T>
    {
        switch (op)
        {
            case UnaryOp.Neg: ElementwiseKernels.Unary<T, UnaryOps.Neg<T>>(x, y); break;
            case UnaryOp.Abs: ElementwiseKernels.Unary<T, UnaryOps.Abs<T>>(x, y); break;
            case UnaryOp.Sign: ElementwiseKernels.Unary<T, UnaryOps.Sign<T>>(x, y); break;
            case UnaryOp.Square: ElementwiseKernels.Unary<T, UnaryOps.Square<T>>(x, y); break;
            case UnaryOp.Relu: ElementwiseKernels.Unary<T, UnaryOps.Relu<T>>(x, y); break;
            default: throw CpuTensor.Unsupported(op.ToString(), y.DType);
        }
    }

    // ---- binary --------------------------------------------------------------------------------

    public void Binary(BinaryOp op, Tensor a, Tensor b, Tensor y)
    {
        if (Bf16Widening.Applies(a, b, y)) { Bf16Widening.Run("rrw", [a, b, y], (this, op), static (t, s) => s.Item1.Binary(s.op, t[0], t[1], t[2])); return; }
        CpuTensor.ByDType(op.ToString(), y.DType, FloatBinary<float>, FloatBinary<double>, IntegerBinary<int>)(op, a, b, y);
    }

    /// <summary>The host has no push constants: b becomes a one-element tensor broadcast over a, as Binary takes it.</summary>
    public void BinaryScalar(BinaryOp op, Tensor a, double b, Tensor y)
    {
        using var scalar = Tensor.Scalar(b, a.DType, this);
        using var expanded = scalar.Expand(y.Shape);
        Binary(op, a, expanded, y);
    }

    private static void FloatBinary<T>(BinaryOp op, Tensor a, Tensor b, Tensor y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (op)
        {
            case BinaryOp.Div: ElementwiseKernels.Binary<T, BinaryOps.Div<T>>(a, b, y); break;
            case BinaryOp.Pow: ElementwiseKernels.Binary<T, BinaryOps.Pow<T>>(a, b, y); break;
            case BinaryOp.SiluMul: ElementwiseKernels.Binary<T, BinaryOps.SiluMul<T>>(a, b, y); break;
            case BinaryOp.SiluGrad: ElementwiseKernels.Binary<T, BinaryOps.SiluGrad<T>>(a, b, y); break;
            default: NumberBinary<T>(op, a, b, y); break;
        }
    }

    private static void IntegerBinary<T>(BinaryOp op, Tensor a, Tensor b, Tensor y) where T : unmanaged, IBinaryInteger<T>
    {
        switch (op)
        {
            case BinaryOp.Div: ElementwiseKernels.Binary<T, BinaryOps.IntegerDiv<T>>(a, b, y); break;
            case BinaryOp.Pow: ElementwiseKernels.Binary<T, BinaryOps.IntegerPow<T>>(a, b, y); break;
            default: NumberBinary<T>(op, a, b, y); break;
        }
    }

    private static void NumberBinary<T>(BinaryOp op, Tensor a, Tensor b, Tensor y) where T : unmanaged, INumber<T>
    {
        switch (op)
        {
            case BinaryOp.Add: ElementwiseKernels.Binary<T, BinaryOps.Add<T>>(a, b, y); break;
            case BinaryOp.Sub: ElementwiseKernels.Binary<T, BinaryOps.Sub<T>>(a, b, y); break;
            case BinaryOp.Mul: ElementwiseKernels.Binary<T, BinaryOps.Mul<T>>(a, b, y); break;
            case BinaryOp.Max: ElementwiseKernels.Binary<T, BinaryOps.Max<T>>(a, b, y); break;
            case BinaryOp.Min: ElementwiseKernels.Binary<T, BinaryOps.Min<T>>(a, b, y); break;
            case BinaryOp.Eq: ElementwiseKernels.Binary<T, BinaryOps.Compare<T, BinaryOps.Eq<T>>>(a, b, y); break;
            case BinaryOp.Ne: ElementwiseKernels.Binary<T, BinaryOps.Compare<T, BinaryOps.Ne<T>>>(a, b, y); break;
            case BinaryOp.Lt: ElementwiseKernels.Binary<T, BinaryOps.Compare<T, BinaryOps.Lt<T>>>(a, b, y); break;
            case BinaryOp.Le: ElementwiseKernels.Binary<T, BinaryOps.Compare<T, BinaryOps.Le<T>>>(a, b, y); break;
            case BinaryOp.Gt: ElementwiseKernels.Binary<T, BinaryOps.Compare<T, BinaryOps.Gt<T>>>(a, b, y); break;
            case BinaryOp.Ge: ElementwiseKernels.Binary<T, BinaryOps.Compare<T, BinaryOps.Ge<T>>>(a, b, y); break;
            default: throw CpuTensor.Unsupported(op.ToString(), y.DType);
        }
    }

    // ---- where ---------------------------------------------------------------------------------

    public void Where(Tensor condition, Tensor a, Tensor b, Tensor y)
    {
        if (Bf16Widening.Applies(condition, a, b, y)) { Bf16Widening.Run("rrrw", [condition, a, b, y], this, static (t, s) => s.Where(t[0], t[1], t[2], t[3])); return; }
        CpuTensor.ByDType("Where", condition.DType, WhereOn<float>, WhereOn<double>, WhereOn<int>)(condition, a, b, y);
    }

    private static void WhereOn<TCondition>(Tensor condition, Tensor a, Tensor b, Tensor y) where TCondition : unmanaged, INumberBase<TCondition> =>
        CpuTensor.ByDType("Where", y.DType, ElementwiseKernels.Where<TCondition, float>, ElementwiseKernels.Where<TCondition, double>,
            ElementwiseKernels.Where<TCondition, int>)(condition, a, b, y);
}
