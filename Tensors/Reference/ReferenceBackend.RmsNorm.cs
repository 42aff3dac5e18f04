// Reference RMSNorm, forward and backward (Zhang & Sennrich 2019) over rows (N, C).
namespace MoeFromScratch.Tensors.Reference;

public sealed partial class ReferenceBackend
{
    /// <summary>
    /// For every row n: rstd[n] = 1 / sqrt(mean_c x[n, c]² + eps); y[n, c] = x[n, c] · rstd[n] · w[c].
    /// </summary>
    public void RmsNormForward(Tensor x, Tensor weight, double eps, Tensor y, Tensor rstd)
    {
        int N = x.Shape[0], C = x.Shape[1];
        for (int n = 0; n < N; n++)
        {
            double sumSquares = 0;
            for (int c = 0; c < C; c++) sumSquares += Get(x, [n, c]) * Get(x, [n, c]);
            double r = 1 / Math.Sqrt(sumSquares / C + eps);
            Set(rstd, [n], r);
            for (int c = 0; c < C; c++)
                Set(y, [n, c], Get(x, [n, c]) * r * Get(weight, [c]));
        }
    }

    /// <summary>
    /// Differentiates y[n, c] = x[n, c] · r[n] · w[c] with r = (mean_c x² + eps)^(−1/2), so ∂r/∂x[n, c] = −r³ x[n, c] / C:
    ///   dx[n, c] = r · w[c] · dy[n, c] − r³ · x[n, c] / C · Σ_j dy[n, j] · w[j] · x[n, j]
    ///   dweight[c] = Σ_n dy[n, c] · x[n, c] · r[n]     (written, not accumulated)
    /// r is the rstd saved by the forward pass.
    /// </summary>
    public void RmsNormBackward(Tensor dy, Tensor x, Tensor weight, Tensor rstd, Tensor dx, Tensor dweight)
    {
        int N = x.Shape[0], C = x.Shape[1];
        for (int n = 0; n < N; n++)
        {
            double r = Get(rstd, [n]);
            double dot = 0;                                  // Σ_j dy[n, j] · w[j] · x[n, j]
            for (int j = 0; j < C; j++) dot += Get(dy, [n, j]) * Get(weight, [j]) * Get(x, [n, j]);
            for (int c = 0; c < C; c++)
                Set(dx, [n, c], r * Get(weight, [c]) * Get(dy, [n, c]) - r * r * r * Get(x, [n, c]) / C * dot);
        }
        for (int c = 0; c < C; c++)
        {
            double sum = 0;
            for (int n = 0; n < N; n++) sum += Get(dy, [n, c]) * Get(x, [n, c]) * Get(rstd, [n]);
            Set(dweight, [c], sum);
        }
    }
}
