// IBackend: the closed set of primitive kernels every device implements (CPU, Vulkan).
// Everything else — broadcasting, views, composite ops, autograd — is built above this list, so a
// new backend is exactly this interface. Backends know nothing about gradients.
//
// Conventions shared by every kernel:
// - Inputs are tensors on this backend with any strides (views: transposed, sliced, expanded with
//   stride 0). Outputs are allocated by the caller, contiguous, already of the right shape, unless
//   a kernel says it writes in place.
// - Broadcasting is resolved by the caller (inputs arrive expanded to the output shape).
// - Index tensors are Int32.
//
// Shape letters, one set for the whole project (docs/architecture.md holds the same table):
//   B  batch                         T   time (sequence positions)
//   C  channels (model width)        V   vocabulary size
//   NH attention heads               HS  head size (C = NH · HS)
//   N  = B · T rows (tokens)         I   expert hidden size (the FFN's inner width)
//   E  routed experts                S   shared experts
//   K  active routed experts per token (the router's top-K); K means nothing else
// GEMM letters, used only in matrix-multiply code (MatMul, GroupedMatMul, Tensor.Linalg, Cpu/Gemm,
// the matmul shaders): (M, P) @ (P, N) -> (M, N), BLAS's M rows and N columns of the output, and
//   P  the inner (reduction) dimension summed over; its index is p, its cache block pc
//   G  groups of a grouped GEMM (the routed experts: G = E)
// N is BLAS's column count only inside a GEMM signature; everywhere else N = B · T. A model-level
// call says which is which: an expert's up-projection (N, C) @ (C, I) is a GEMM with M = N, P = C,
// N = I. (Cpu/Gemm, BLIS-style, writes the sizes m, n, P and blocks mc, nc, pc.)
//
// Each section below is one file per backend, named the same in all three (ReferenceBackend.X.cs,
// Cpu/Kernels/CpuBackend.X.cs, VulkanBackend.X.cs), X the name in the section's heading. The
// declarations look alike on purpose: one documented signature per kernel, the list a backend implements.
namespace MoeFromScratch.Tensors;

public interface IBackend : IDisposable
{
    /// <summary>Short device name used in messages and `--device`, e.g. "cpu", "vulkan:0".</summary>
    string Name { get; }

    bool Supports(DType dtype);

    /// <summary>One line saying why this backend does not store dtype (a device may name the feature it lacks).</summary>
    string Unsupported(DType dtype) => $"{Name} does not support {dtype.Name()} tensors";

    // ---- memory (in the backend's main file) --------------------------------------------------
    Storage Allocate(DType dtype, long length);
    void Upload<T>(Storage destination, long offset, ReadOnlySpan<T> source) where T : unmanaged;
    void Download<T>(Storage source, long offset, Span<T> destination) where T : unmanaged;

    /// <summary>Waits for all queued work; reading back already does this. Timing code needs it.</summary>
    void Synchronize();

    // ---- Creation: fill and copy ---------------------------------------------------------------
    void Fill(Tensor y, double value);

    /// <summary>y = x elementwise, any strides on both sides, converting dtype when they differ.</summary>
    void Copy(Tensor x, Tensor y);

    // ---- Random ----------------------------------------------------------------------------------

    /// <summary>Counter-based (Philox) random numbers: element i depends only on (seed, i).</summary>
    void RandomUniform(Tensor y, ulong seed, double low, double high);
    void RandomNormal(Tensor y, ulong seed, double mean, double std);

    // ---- Elementwise ---------------------------------------------------------------------------
    void Unary(UnaryOp op, Tensor x, Tensor y);
    /// <summary>y = a op b elementwise. y may be a or b itself when that input is contiguous (in place): element i of the inputs is read before element i of y is written.</summary>
    void Binary(BinaryOp op, Tensor a, Tensor b, Tensor y);
    /// <summary>y = a op b elementwise with b one number, already rounded to a's dtype, passed by value
    /// (a push constant on Vulkan): no tensor holds it and no fill writes it. y may be a itself when a is contiguous.</summary>
    void BinaryScalar(BinaryOp op, Tensor a, double b, Tensor y);

    /// <summary>y = condition != 0 ? a : b.</summary>
    void Where(Tensor condition, Tensor a, Tensor b, Tensor y);

    // ---- Reduce: one axis, keepdim (y has size 1 on that axis) ----------------------------------
    void Reduce(ReduceOp op, Tensor x, int axis, Tensor y);

    /// <summary>Index (Int32) of the largest element along axis; ties pick the lowest index.</summary>
    void ArgMax(Tensor x, int axis, Tensor y);

    // ---- MatMul ----------------------------------------------------------------------------------
    /// <summary>(B, M, P) @ (B, P, N) -> (B, M, N); batch stride 0 broadcasts; transposes via strides.</summary>
    void MatMul(Tensor a, Tensor b, Tensor c);

    // ---- GroupedMatMul (MoE experts) -------------------------------------------------------------
    /// <summary>
    /// MoE grouped GEMM. x: (M, P) rows sorted by group, w: (G, P, N), offsets: Int32 (G+1) with
    /// rows offsets[g]..offsets[g+1] belonging to group g, rising from offsets[0] = 0 to offsets[G] = M
    /// (every row in a group: the reference rejects other offsets, a device need not check them).
    /// y: (M, N), y[r] = x[r] @ w[group(r)], every row written.
    /// </summary>
    void GroupedMatMul(Tensor x, Tensor w, Tensor offsets, Tensor y);

    /// <summary>Weight gradient of GroupedMatMul: dw[g] = x[rows of g]ᵀ @ dy[rows of g]; dw: (G, P, N).</summary>
    void GroupedMatMulWeightGrad(Tensor x, Tensor dy, Tensor offsets, Tensor dw);

    // ---- Softmax over the last axis --------------------------------------------------------------
    void Softmax(Tensor x, Tensor y, bool log);

    // ---- Indexing (MoE routing, embeddings) ------------------------------------------------------
    /// <summary>torch.gather: y[..i..] = x[..index[..i..]..] along axis; y has index's shape.</summary>
    void Gather(Tensor x, int axis, Tensor index, Tensor y);

    /// <summary>torch.index_select: index is 1-D; y takes x's shape with axis resized to index length.</summary>
    void IndexSelect(Tensor x, int axis, Tensor index, Tensor y);

    /// <summary>In place, torch.scatter_add_: y[..index[..i..]..] += source[..i..] along axis.</summary>
    void ScatterAdd(Tensor y, int axis, Tensor index, Tensor source);

    /// <summary>In place, torch.index_add_: y.select(axis, index[j]) += source.select(axis, j).</summary>
    void IndexAdd(Tensor y, int axis, Tensor index, Tensor source);

    /// <summary>
    /// The MoE dispatch plan: a stable sort of the A = N·K assignments a = n·K + k by their expert
    /// indices[n, k] (indices (N, K) int32 in 0..E-1). Writes offsets (E+1): expert e owns sorted rows
    /// [offsets[e], offsets[e+1]); slot (A): sorted row -> a, ascending within an expert; position (A):
    /// a -> sorted row (slot's inverse); token (A): sorted row -> n = slot / K. All int32.
    /// </summary>
    void SortByExpert(Tensor indices, Tensor offsets, Tensor slot, Tensor position, Tensor token);

    // ---- TopK (the router's expert choice) --------------------------------------------------------
    /// <summary>Largest k along the last axis, sorted descending; ties keep the lower index first.</summary>
    void TopK(Tensor x, int k, Tensor values, Tensor indices);

    // Fused kernels, one file each (RmsNorm, Rope, Attention, CrossEntropy, AdamW), each tested against
    // the composition it replaces.

    // ---- RmsNorm ---------------------------------------------------------------------------------
    /// <summary>x, y: (N, C); weight: (C); rstd: (N) saved for backward. y = x * rstd * weight.</summary>
    void RmsNormForward(Tensor x, Tensor weight, double eps, Tensor y, Tensor rstd);

    /// <summary>dx: (N, C) written; dweight: (C) written (not accumulated).</summary>
    void RmsNormBackward(Tensor dy, Tensor x, Tensor weight, Tensor rstd, Tensor dx, Tensor dweight);

    // ---- Rope ------------------------------------------------------------------------------------
    /// <summary>
    /// Rotate-half RoPE on x: (B, T, NH, HS), position of row t is positionOffset + t.
    /// inverse rotates by the negative angle (the backward pass).
    /// </summary>
    void Rope(Tensor x, Tensor y, int positionOffset, double theta, bool inverse);

    // ---- Attention (fused causal self-attention, FlashAttention-2) -------------------------------
    /// <summary>
    /// Whether AttentionForward / AttentionBackward run here. A backend without them says false and
    /// throws NotSupportedException from both; the model then composes attention from MatMul, the
    /// additive mask and Softmax (the oracle the fused op is tested against).
    /// </summary>
    bool HasFusedAttention { get; }

    /// <summary>
    /// Causal attention without the (T, TK) matrix. q: (B, T, NH, HS); k, v: (B, TK, NH, HS), TK ≥ T, any
    /// strides (the projections' own layout, or a KV cache's prefix). Query t sits at position TK − T + t
    /// and sees keys 0..TK − T + t. With s_j = q_t · k_j / √HS:
    ///   out[b, t, h] = Σ_j softmax(s)_j · v[b, j, h]      (B, T, NH, HS), written
    ///   lse[b, h, t] = log Σ_j exp(s_j)                     (B, NH, T), written, kept for the backward
    /// </summary>
    void AttentionForward(Tensor q, Tensor k, Tensor v, Tensor output, Tensor lse);

    /// <summary>
    /// Gradients of AttentionForward from dout (B, T, NH, HS) and the forward's output and lse; P is
    /// recomputed, never stored. dq (B, T, NH, HS), dk and dv (B, TK, NH, HS) contiguous, written.
    /// </summary>
    void AttentionBackward(Tensor dout, Tensor q, Tensor k, Tensor v, Tensor output, Tensor lse, Tensor dq, Tensor dk, Tensor dv);

    // ---- CrossEntropy ----------------------------------------------------------------------------
    /// <summary>logits: (N, V), targets: Int32 (N); losses: (N), 0 where target == ignoreIndex.</summary>
    void CrossEntropyForward(Tensor logits, Tensor targets, int ignoreIndex, Tensor losses);

    /// <summary>dlogits[n] = (softmax(logits[n]) - onehot(target[n])) * dlosses[n]; 0 on ignored rows.</summary>
    void CrossEntropyBackward(Tensor logits, Tensor targets, int ignoreIndex, Tensor dlosses, Tensor dlogits);

    // ---- AdamW -----------------------------------------------------------------------------------
    /// <summary>
    /// The step's clip-and-skip decision, on the device (OptimizerGate.cs names the slots): from
    /// sumOfSquares () = Σ g² and loss () (null: not checked), with ok = both finite,
    ///   gate[SumOfSquares] = Σ g²     gate[Coefficient] = ok ? min(1, maxNorm / (sqrt(Σ g²) + 1e-6)) : 1
    ///   gate[Update] = ok             gate[Updates] += ok      gate[BadInARow] = ok ? 0 : +1      gate[Skipped] += !ok
    /// gate: (OptimizerGate.Length) contiguous, updated in place (the counts carry over between steps).
    /// </summary>
    void ClipGate(Tensor sumOfSquares, Tensor? loss, double maxNorm, Tensor gate);

    /// <summary>
    /// In-place decoupled-weight-decay Adam step on param, m, v (all same shape, contiguous). gate null:
    /// t = step.Step, g as given. gate given (ClipGate's): nothing changes unless gate[Update] is 1;
    /// g is scaled by gate[Coefficient] and t = gate[Updates] (step.Step is not read).
    /// </summary>
    void AdamW(Tensor param, Tensor grad, Tensor m, Tensor v, AdamWStep step, Tensor? gate = null);
}

/// <summary>One AdamW update's scalars. Bias corrections use Step (1-based), checked here once for
/// every backend: at Step 0 they would divide by 1 - β^0 = 0.</summary>
public readonly record struct AdamWStep(
    double LearningRate, double Beta1, double Beta2, double Epsilon, double WeightDecay, int Step)
{
    public int Step { get; } = Step >= 1 ? Step
        : throw new ArgumentException($"AdamW: step must be 1 or more (bias corrections divide by 1 - beta^step), got {Step}");
}
