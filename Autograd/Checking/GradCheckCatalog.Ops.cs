// The op list of GradCheckCatalog, grouped like Ops/*.cs. Shapes are drawn small (every dimension
// at most the builder's size) because the numeric side costs two forward passes per element.
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Autograd;

public static partial class GradCheckCatalog
{
    public static IReadOnlyList<GradCheckOp> Ops { get; } =
    [
        // ---- elementwise (Ops/Elementwise.cs) ----------------------------------------------------
        Unary("neg", Any, x => x.Neg()),
        Unary("exp", Any, x => x.Exp()),
        Unary("log", Positive, x => x.Log()),
        Unary("sqrt", Positive, x => x.Sqrt()),
        Unary("rsqrt", Positive, x => x.Rsqrt()),
        Unary("abs", AwayFromZero, x => x.Abs()),
        Unary("square", Any, x => x.Square()),
        Unary("reciprocal", AwayFromZero, x => x.Reciprocal()),
        Unary("relu", AwayFromZero, x => x.Relu()),
        Unary("sigmoid", Any, x => x.Sigmoid()),
        Unary("tanh", Any, x => x.Tanh()),
        Unary("silu", Any, x => x.Silu()),
        Unary("sin", Any, x => x.Sin()),
        Unary("cos", Any, x => x.Cos()),
        Unary("add_scalar", Any, x => x + 0.75),
        Unary("mul_scalar", Any, x => x * -1.5),
        Unary("rsub_scalar", Any, x => 1 - x),
        Unary("pow_scalar", Positive, x => x.Pow(2.5)),
        Binary("add", Any, Any, (a, b) => a + b),
        Binary("sub", Any, Any, (a, b) => a - b),
        Binary("mul", Any, Any, (a, b) => a * b),
        Binary("div", Any, AwayFromZero, (a, b) => a / b),
        Binary("maximum", Any, Any, (a, b) => a.Maximum(b)),
        Binary("minimum", Any, Any, (a, b) => a.Minimum(b)),
        Binary("pow", Positive, Any, (a, b) => a.Pow(b)),
        new("where", c =>
        {
            var shape = c.Dims(2);
            return new([c.AwayFromZero(c.BroadcastOf(shape)), c.Input(shape), c.Input(c.BroadcastOf(shape))],
                x => Variable.Where(x[0].Gt(0), x[1], x[2]));
        }),

        // ---- reductions (Ops/Reduce.cs) -------------------------------------------------------------
        Reduction("sum", (x, axes, keep) => x.Sum(axes, keep)),
        Reduction("mean", (x, axes, keep) => x.Mean(axes, keep)),
        AxisOp("max", (x, axis) => x.Max(axis, keepDim: axis % 2 == 0)),
        AxisOp("min", (x, axis) => x.Min(axis)),

        // ---- matrix products (Ops/MatMul.cs) --------------------------------------------------------
        new("matmul", c =>
        {
            int m = c.Dim(), k = c.Dim(), n = c.Dim(), batch = c.Dim();
            int pattern = c.Int(0, 3);
            c.Note(pattern switch { 0 => "2-D", 1 => "batched @ 2-D", _ => "broadcast batch" });
            Tensor a = pattern == 0 ? c.Input(m, k) : c.Input(batch, m, k);
            Tensor b = pattern switch { 2 => c.Input(1, k, n), _ => c.Input(k, n) };
            return new([a, b], x => x[0].MatMul(x[1]));
        }),
        new("grouped_matmul", c =>
        {
            int groups = c.Dim(), k = c.Dim(), m = c.Dim();
            var offsets = new int[groups + 1];
            for (int g = 0; g < groups; g++) offsets[g + 1] = offsets[g] + c.Int(0, 3); // empty groups allowed
            int rows = Math.Max(1, offsets[^1]);
            offsets[^1] = rows;
            return new([c.Input(rows, k), c.Input(groups, k, m), c.Ints(offsets)],
                x => Variable.GroupedMatMul(x[0], x[1], x[2].Data));
        }),

        // ---- views (Ops/Views.cs) -------------------------------------------------------------------
        View("reshape", x => x.Reshape(-1, x.Shape[0])),
        View("flatten", x => x.Flatten()),
        View("permute", x => x.Permute(2, 0, 1)),
        View("transpose", x => x.Transpose(0, 2)),
        View("narrow", x => x.Narrow(1, x.Shape[1] / 2, x.Shape[1] - x.Shape[1] / 2)),
        View("select", x => x.Select(2, x.Shape[2] - 1)),
        View("unsqueeze", x => x.Unsqueeze(1)),
        View("squeeze", x => x.Narrow(1, 0, 1).Squeeze(1)),
        View("contiguous", x => x.Transpose(0, 1).Contiguous()),
        new("expand", c =>
        {
            var shape = c.Dims(3);
            return new([c.Input(c.BroadcastOf(shape))], x => x[0].Expand(shape));
        }),
        new("concat", c =>
        {
            int axis = c.Int(0, 2);
            var parts = Enumerable.Range(0, c.Int(1, 4)).Select(_ => { var s = c.Dims(2); s[1 - axis] = c.MaxDim; return c.Input(s); }).ToArray();
            c.Note($"axis {axis}");
            return new(parts, x => Variable.Concat(x, axis));
        }),
        new("split", c =>
        {
            var shape = c.Dims(2, min: 2);
            int first = c.Int(1, shape[1]);
            return new([c.Input(shape)], x => Variable.Concat(x[0].Split([first, shape[1] - first], 1).Reverse().ToArray(), 1));
        }),

        // ---- indexing (Ops/Indexing.cs) -------------------------------------------------------------
        new("gather", c =>
        {
            var shape = c.Dims(2);
            int axis = c.Int(0, 2);
            var indexShape = shape.Select(d => c.Int(1, d + 1)).ToArray();
            indexShape[axis] = c.Dim();
            c.Note($"axis {axis}");
            return new([c.Input(shape), c.Index(indexShape, shape[axis])], x => x[0].Gather(axis, x[1].Data));
        }),
        new("index_select", c =>
        {
            var shape = c.Dims(2);
            int axis = c.Int(0, 2);
            c.Note($"axis {axis}");
            return new([c.Input(shape), c.Index([c.Dim() + 1], shape[axis])], x => x[0].IndexSelect(axis, x[1].Data)); // repeats likely
        }),
        new("select_rows", c =>
        {
            var shape = c.Dims(2);
            int copies = c.Int(1, 4);
            var (order, inverse) = c.Permutation(shape[0] * copies);
            // index[i] = order[i] / copies picks each row copies times; row r's copies are where order put r·copies..r·copies+copies-1.
            var index = c.Ints(order.ToArray<int>().Select(o => o / copies).ToArray());
            c.Note($"copies {copies}");
            return new([c.Input(shape), index, inverse], x => x[0].SelectRows(x[1].Data, x[2].Data, copies));
        }),
        new("scatter_add", c =>
        {
            var shape = c.Dims(2);
            int axis = c.Int(0, 2);
            var indexShape = shape.Select(d => c.Int(1, d + 1)).ToArray();
            c.Note($"axis {axis}");
            return new([c.Input(shape), c.Index(indexShape, shape[axis]), c.Input(indexShape)],
                x => x[0].ScatterAdd(axis, x[1].Data, x[2]));
        }),
        new("index_add", c =>
        {
            var shape = c.Dims(2);
            int axis = c.Int(0, 2);
            var sourceShape = (int[])shape.Clone();
            sourceShape[axis] = c.Dim() + 1;
            c.Note($"axis {axis}");
            return new([c.Input(shape), c.Index([sourceShape[axis]], shape[axis]), c.Input(sourceShape)],
                x => x[0].IndexAdd(axis, x[1].Data, x[2]));
        }),
        new("topk", c =>
        {
            var shape = c.Dims(2, min: 2);
            int k = c.Int(1, shape[1] + 1);
            c.Note($"k {k}");
            return new([c.Input(shape)], x => x[0].TopK(k).Values);
        }),

        // ---- fused kernels (Ops/Fused.cs) and their compositions (Ops/Composite.cs) -----------------
        AxisOp("softmax", (x, axis) => x.Softmax(axis)),
        AxisOp("log_softmax", (x, axis) => x.LogSoftmax(axis)),
        AxisOp("softmax_composite", (x, axis) => Composite.Softmax(x, axis)),
        AxisOp("log_softmax_composite", (x, axis) => Composite.LogSoftmax(x, axis)),
        Unary("silu_composite", Any, Composite.Silu),
        new("swiglu", c =>
        {
            var shape = c.Dims(c.Int(1, 4));
            return new([c.Input(shape), c.Input(shape)], x => Variable.SwiGlu(x[0], x[1]));
        }),
        Norm("rms_norm", (x, w) => x.RmsNorm(w, 1e-5)),
        Norm("rms_norm_composite", (x, w) => Composite.RmsNorm(x, w, 1e-5)),
        new("rope", c =>
        {
            int offset = c.Int(0, 5);
            c.Note($"position offset {offset}");
            return new([c.Input(c.Dim(), c.Dim(), c.Dim(), 2 * c.Dim())], x => x[0].Rope(offset, 10000));
        }),
        Attention("attention", Variable.Attention),
        Attention("attention_composite", Composite.CausalAttention),
        Loss("cross_entropy_losses", (logits, targets) => Variable.CrossEntropyLosses(logits, targets)),
        Loss("cross_entropy", (logits, targets) => Functional.CrossEntropy(logits, targets)),
        Loss("cross_entropy_composite", (logits, targets) => Composite.CrossEntropy(logits, targets)),

        // ---- layers (Ops/Functional.cs) --------------------------------------------------------------
        new("linear", c =>
        {
            int inFeatures = c.Dim(), outFeatures = c.Dim();
            return new([c.Input(c.Dim(), c.Dim(), inFeatures), c.Input(outFeatures, inFeatures), c.Input(outFeatures)],
                x => Functional.Linear(x[0], x[1], x[2]));
        }),
        new("embedding", c =>
        {
            int vocab = c.Dim() + 1;
            return new([c.Input(vocab, c.Dim()), c.Index([c.Dim(), c.Dim()], vocab)], x => Functional.Embedding(x[1].Data, x[0]));
        }),
        Binary("swiglu", Any, Any, Functional.SwiGlu),
    ];

    // ---- case shapes shared by several ops ------------------------------------------------------------
    private static Tensor Any(CaseBuilder c, int[] shape) => c.Input(shape);
    private static Tensor Positive(CaseBuilder c, int[] shape) => c.Positive(shape);
    private static Tensor AwayFromZero(CaseBuilder c, int[] shape) => c.AwayFromZero(shape);

    // q (B, T, NH, HS), k and v (B, TK, NH, HS): TK − T earlier positions, as a KV cache holds them.
    private static GradCheckOp Attention(string name, Func<Variable, Variable, Variable, Variable> op) =>
        new(name, c =>
        {
            int B = c.Dim(), T = c.Dim(), NH = c.Dim(), HS = c.Dim(), TK = T + c.Int(0, 3);
            c.Note($"TK {TK}");
            return new([c.Input(B, T, NH, HS), c.Input(B, TK, NH, HS), c.Input(B, TK, NH, HS)], x => op(x[0], x[1], x[2]));
        });

    // Rank 0..3, any layout.
    private static GradCheckOp Unary(string name, Func<CaseBuilder, int[], Tensor> input, Func<Variable, Variable> op) =>
        new(name, c => new([input(c, c.Dims(c.Int(0, 4)))], x => op(x[0])));

    // One side gets a shape that broadcasts to the other's.
    private static GradCheckOp Binary(string name, Func<CaseBuilder, int[], Tensor> left, Func<CaseBuilder, int[], Tensor> right, Func<Variable, Variable, Variable> op) =>
        new(name, c =>
        {
            var shape = c.Dims(c.Int(1, 4));
            bool broadcastLeft = c.Coin();
            return new([left(c, broadcastLeft ? c.BroadcastOf(shape) : shape), right(c, broadcastLeft ? shape : c.BroadcastOf(shape))],
                x => op(x[0], x[1]));
        });

    private static GradCheckOp Reduction(string name, Func<Variable, int[]?, bool, Variable> op) =>
        new(name, c =>
        {
            var shape = c.Dims(c.Int(1, 4));
            int[]? axes = c.Coin() ? null : Enumerable.Range(0, shape.Length).Where(_ => c.Coin()).DefaultIfEmpty(-1).ToArray();
            bool keep = c.Coin();
            c.Note($"axes {(axes is null ? "all" : Shape.Format(axes))}, keepDim {keep}");
            return new([c.Input(shape)], x => op(x[0], axes, keep));
        });

    private static GradCheckOp AxisOp(string name, Func<Variable, int, Variable> op) =>
        new(name, c =>
        {
            var shape = c.Dims(c.Int(1, 4));
            int axis = c.Int(-shape.Length, shape.Length);
            c.Note($"axis {axis}");
            return new([c.Input(shape)], x => op(x[0], axis));
        });

    // (B, C, D) so that every view above has the axes it needs.
    private static GradCheckOp View(string name, Func<Variable, Variable> op) =>
        new(name, c => new([c.Input(c.Dims(3))], x => op(x[0])));

    private static GradCheckOp Norm(string name, Func<Variable, Variable, Variable> op) =>
        new(name, c =>
        {
            int channels = c.Dim(2);
            return new([c.Input([.. c.Dims(c.Int(1, 3)), channels]), c.Input(channels)], x => op(x[0], x[1]));
        });

    // logits (N, V) and int32 targets (N), about one in four ignored (-100).
    private static GradCheckOp Loss(string name, Func<Variable, Tensor, Variable> op) =>
        new(name, c =>
        {
            int rows = c.Dim() + 1, vocab = c.Dim(2);
            var targets = Enumerable.Range(0, rows).Select(_ => c.Int(0, 4) == 0 ? -100 : c.Int(0, vocab)).ToArray();
            return new([c.Input(rows, vocab), c.Ints(targets)], x => op(x[0], x[1].Data));
        });
}
