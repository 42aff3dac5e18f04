// Parameter: a Variable that is a model weight — always a leaf, always requires grad, and owns
// its gradient buffer from birth (so it outlives any per-step TensorScope; see Variable.cs).
// Modules find their Parameters by reflection; there is nothing to register.
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Autograd;

public sealed class Parameter(Tensor data) : Variable(data, requiresGrad: true)
{
    public override string ToString() => $"Parameter{Tensors.Shape.Format(Shape)} {DType.Name()}";
}
