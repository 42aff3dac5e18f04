// Bf16Widening: how a backend runs a kernel on BFloat16 tensors when it has no bf16 path for it — each
// bf16 operand it reads is widened to a float32 copy (exact), the float32 kernel runs, and each bf16
// operand it writes is narrowed back once (round to nearest even). So the rounding points are the reference's: inputs read
// as bf16, arithmetic in float32, one rounding on store. The host has no bf16 arithmetic (.NET 10: no
// BFloat16 type, no AVX-512 BF16 intrinsics), so on the CPU widening is the path. The Vulkan backend uses it too, for the kernels that have no bf16 shader variant yet
// (VulkanBackend.Bf16.cs says which do): the casts then run on the device, as Copy shaders.
// Known limit, honestly: the copies cost a pass over each operand, so on the CPU bf16 saves memory,
// not time. A fused path (widen a run in registers inside each kernel, as the GEMM could in its
// packing step) is the next step; the semantics, and the tests, stay these.
namespace MoeFromScratch.Tensors;

public static class Bf16Widening
{
    public static bool Applies(params ReadOnlySpan<Tensor> operands)
    {
        foreach (var t in operands)
            if (t.DType == DType.BFloat16) return true;
        return false;
    }

    /// <summary>
    /// Runs body on the operands with every bf16 one replaced by a float32 stand-in. roles[k] says
    /// what the kernel does with operands[k]: 'r' reads it, 'w' writes it, 'u' updates it in place
    /// (reads and writes). Written and updated stand-ins are narrowed back into the bf16 tensors.
    /// State passes what else the kernel needs, so the body can be a static lambda (no closure on
    /// the float32 path, which never gets here).
    /// </summary>
    public static void Run<TState>(string roles, Tensor[] operands, TState state, Action<Tensor[], TState> body)
    {
        var wide = (Tensor[])operands.Clone();
        try
        {
            for (int k = 0; k < operands.Length; k++)
            {
                if (operands[k].DType != DType.BFloat16) continue;
                wide[k] = roles[k] == 'w' ? Tensor.Empty(operands[k].Shape, DType.Float32, operands[k].Backend) : operands[k].Cast(DType.Float32);
            }
            body(wide, state);
            for (int k = 0; k < operands.Length; k++)
                if (operands[k].DType == DType.BFloat16 && roles[k] != 'r') operands[k].Backend.Copy(wide[k], operands[k]);
        }
        finally
        {
            for (int k = 0; k < operands.Length; k++)
                if (!ReferenceEquals(wide[k], operands[k])) wide[k]?.Dispose();
        }
    }
}
