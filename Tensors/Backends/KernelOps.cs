// The op codes of the elementwise and reduction kernels: IBackend.Unary, Binary and Reduce take
// one of these. Gpu.csproj generates the shaders' numbering from this file at build
// (obj/glsl/kernel_ops.glsl: UNARY_NEG 0, ..., BINARY_ADD 0, ..., REDUCE_SUM 0, ...), so members
// are plain names numbered from 0 in order (no explicit values); append or insert freely, and
// give each new op its formula in every backend (docs/architecture.md, "Adding a kernel").
namespace MoeFromScratch.Tensors;

public enum UnaryOp
{
    Neg, Exp, Log, Sqrt, Rsqrt, Abs, Sign, Square, Reciprocal,
    Relu, Sigmoid, Tanh, Silu, Sin, Cos,
}

public enum BinaryOp
{
    Add, Sub, Mul, Div, Max, Min, Pow,
    // SwiGLU's two passes, float only: SiluMul y = silu(a)·b (the forward), SiluGrad y = b·silu'(a) (dgate from b = dy·up).
    SiluMul, SiluGrad,
    // Comparisons write 1 or 0 in the output dtype.
    Eq, Ne, Lt, Le, Gt, Ge,
}

public enum ReduceOp { Sum, Max, Min }

public static class KernelOpInfo
{
    /// <summary>Ops with no integer meaning: a backend refuses them on int32.</summary>
    public static bool IsFloatOnly(this BinaryOp op) => op is BinaryOp.SiluMul or BinaryOp.SiluGrad;
}
