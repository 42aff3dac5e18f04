// Each fused op against its composition of primitives (Ops/Composite.cs): same value, same
// gradient, on the same random inputs. Together with the catalogue's finite-difference checks of
// both forms, this pins the fused kernels' backward to the readable definition.

namespace MoeFromScratch.PropertyTests.Autograd;

public class FusedVsCompositeTests
{
    // Float64: the two forms differ only in rounding order.
    private static readonly Tolerance Agreement = new(1e-10, 1e-9);

    public static TheoryData<string> Pairs() => ["softmax", "log_softmax", "rms_norm", "cross_entropy", "silu", "swiglu"];

    private static (Func<Variable[], Variable> Fused, Func<Variable[], Variable> Composite) Pair(string name, Tensor targets) => name switch
    {
        "softmax" => (x => x[0].Softmax(-1), x => Composite.Softmax(x[0], -1)),
        "log_softmax" => (x => x[0].LogSoftmax(-1), x => Composite.LogSoftmax(x[0], -1)),
        "rms_norm" => (x => x[0].RmsNorm(x[1], 1e-5), x => Composite.RmsNorm(x[0], x[1], 1e-5)),
        "cross_entropy" => (x => Functional.CrossEntropy(x[0], targets), x => Composite.CrossEntropy(x[0], targets)),
        "silu" => (x => x[0].Silu(), x => Composite.Silu(x[0])),
        // up = x·w (broadcast) so that both inputs' gradients pass through both SwiGLU operands
        "swiglu" => (x => Variable.SwiGlu(x[0], x[0] * x[1]), x => Composite.SwiGlu(x[0], x[0] * x[1])),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(Pairs))]
    public void Fused_and_composite_agree_in_value_and_gradient(string name)
    {
        using var scope = new TensorScope();
        var backend = Float64Backend.Instance;
        var x = Tensor.RandN([5, 7], seed: 11, dtype: DType.Float64, backend: backend).Mul(3);
        var w = Tensor.RandN([7], seed: 12, dtype: DType.Float64, backend: backend);
        var targets = Tensor.FromArray(new[] { 1, -100, 6, 0, 3 }, [5], backend);
        var (fused, composite) = Pair(name, targets);

        var (yFused, gFused) = ValueAndGradients(fused, x, w);
        var (yComposite, gComposite) = ValueAndGradients(composite, x, w);

        ArrayAssert.Close(yFused, yComposite, Agreement, $"{name} value (fused vs composite)");
        for (int i = 0; i < gFused.Length; i++) ArrayAssert.Close(gFused[i], gComposite[i], Agreement, $"{name} gradient of input {i} (fused vs composite)");
    }

    private static (double[] Y, double[][] Grads) ValueAndGradients(Func<Variable[], Variable> f, params Tensor[] inputs)
    {
        var leaves = inputs.Select(t => new Variable(t, requiresGrad: true)).ToArray();
        var y = f(leaves);
        y.Backward(Tensor.Arange((int)y.Numel, DType.Float64, y.Backend).Add(1).Reshape(y.Shape)); // a non-uniform seed
        return (y.Data.ToDoubleArray(), leaves.Select(v => v.Grad!.ToDoubleArray()).ToArray());
    }
}
