// TEMPORARY: kernels not yet ported.
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Gpu;

public sealed partial class VulkanBackend
{
    public void RandomUniform(Tensor y, ulong seed, double low, double high) => throw new NotImplementedException();
    public void RandomNormal(Tensor y, ulong seed, double mean, double std) => throw new NotImplementedException();
    public void Reduce(ReduceOp op, Tensor x, int axis, Tensor y) => throw new NotImplementedException();
    public void ArgMax(Tensor x, int axis, Tensor y) => throw new NotImplementedException();
    public void Softmax(Tensor x, Tensor y, bool log) => throw new NotImplementedException();
    public void Gather(Tensor x, int axis, Tensor index, Tensor y) => throw new NotImplementedException();
    public void IndexSelect(Tensor x, int axis, Tensor index, Tensor y) => throw new NotImplementedException();
    public void ScatterAdd(Tensor y, int axis, Tensor index, Tensor source) => throw new NotImplementedException();
    public void IndexAdd(Tensor y, int axis, Tensor index, Tensor source) => throw new NotImplementedException();
    public void TopK(Tensor x, int k, Tensor values, Tensor indices) => throw new NotImplementedException();
    public void RmsNormForward(Tensor x, Tensor weight, double eps, Tensor y, Tensor rstd) => throw new NotImplementedException();
    public void RmsNormBackward(Tensor dy, Tensor x, Tensor weight, Tensor rstd, Tensor dx, Tensor dweight) => throw new NotImplementedException();
    public void Rope(Tensor x, Tensor y, int positionOffset, double theta, bool inverse) => throw new NotImplementedException();
    public void CrossEntropyForward(Tensor logits, Tensor targets, int ignoreIndex, Tensor losses) => throw new NotImplementedException();
    public void CrossEntropyBackward(Tensor logits, Tensor targets, int ignoreIndex, Tensor dlosses, Tensor dlogits) => throw new NotImplementedException();
    public void AdamW(Tensor param, Tensor grad, Tensor m, Tensor v, AdamWStep step) => throw new NotImplementedException();
}
