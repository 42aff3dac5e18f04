# deepseek_moe_reference.py: DeepSeekMoE in PyTorch, computed as the official HuggingFace
# modeling_deepseek.py (deepseek-moe-16b-base) computes it, in float64 so that it is an exact oracle
# for the C# model's parity tests (PropertyTests/Golden). make_golden.py runs it and writes the dump.
# Read top-down: RMSNorm -> RoPE -> Attention -> Expert (SwiGLU) -> MoEGate (router + eq. 12-14)
# -> MoE (shared + routed, eq. 9-11) -> DecoderLayer -> DeepseekForCausalLM.
# Parameter names are the official checkpoint names (module attributes are named like HF's), so
# named_parameters() yields model.layers.{L}.mlp.experts.{E}.up_proj.weight etc., shapes [out, in].
#
# Deliberate differences from the official code (none changes the math):
#   * Everything runs in the default dtype (float64 in make_golden.py). The official RMSNorm casts to
#     float32 and the official RoPE tables are built in float32; here both stay float64, so the C#
#     float64 run must build its RoPE tables in double as well.
#   * torch.topk is called sorted (descending scores) so the dumped topk_idx has a defined order;
#     the official call is sorted=False. The layer output does not depend on the order.
#   * No KV cache, no attention mask other than causal, no dropout, no pretraining_tp, no
#     device-level balance loss (eq. 15-17 are not in the official code).
# Shape letters (docs/architecture.md, "Shape letters"): B batch, T time, C channels, NH heads, HS head size, V vocab, N = B*T
# tokens, E routed experts (N'), K active routed experts (K'), I inner width of an FFN.
# Run with Debian's PyTorch 1.13: /usr/bin/python3 (no transformers / safetensors packages needed).
import math
from dataclasses import dataclass, fields

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class DeepseekConfig:
    vocab_size: int = 64                # V
    hidden_size: int = 32               # C
    intermediate_size: int = 48         # I of the dense SwiGLU FFN (layers < first_k_dense_replace)
    moe_intermediate_size: int = 16     # I of ONE fine-grained expert
    num_hidden_layers: int = 2
    num_attention_heads: int = 4        # NH; HS = C / NH
    num_key_value_heads: int = 4        # must equal NH (plain MHA)
    n_shared_experts: int = 1           # K_s, stored fused as one FFN of width K_s * moe_intermediate_size
    n_routed_experts: int = 6           # N' = E
    num_experts_per_tok: int = 2        # K' = K
    first_k_dense_replace: int = 1      # layers 0..k-1 are dense
    moe_layer_freq: int = 1             # layer l >= k is MoE iff l % freq == 0
    norm_topk_prob: bool = False        # DeepSeekMoE does not renormalise the K' gates
    scoring_func: str = "softmax"
    aux_loss_alpha: float = 0.01        # alpha_1 of eq. 12
    seq_aux: bool = True                # balance loss per sequence, then mean over the batch
    rms_norm_eps: float = 1e-6
    rope_theta: float = 10000.0
    max_position_embeddings: int = 64
    tie_word_embeddings: bool = False
    initializer_range: float = 0.02

    @classmethod
    def from_dict(cls, d):
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})

    def is_moe_layer(self, l):
        return (self.n_routed_experts > 0 and l >= self.first_k_dense_replace
                and l % self.moe_layer_freq == 0)


class RMSNorm(nn.Module):
    def __init__(self, C, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(C))
        self.eps = eps

    def forward(self, x):                                            # (..., C) -> (..., C)
        variance = x.pow(2).mean(-1, keepdim=True)
        return self.weight * (x * torch.rsqrt(variance + self.eps))  # weight applied after


def rope_cos_sin(T, HS, theta, device=None):
    # frequencies repeated over the two halves: emb = cat(freqs, freqs) (official DeepseekRotaryEmbedding)
    inv_freq = 1.0 / (theta ** (torch.arange(0, HS, 2, dtype=torch.float64, device=device) / HS))  # (HS/2,)
    freqs = torch.outer(torch.arange(T, dtype=torch.float64, device=device), inv_freq)              # (T, HS/2)
    emb = torch.cat((freqs, freqs), dim=-1)                                          # (T, HS)
    return emb.cos().to(torch.get_default_dtype()), emb.sin().to(torch.get_default_dtype())


def rotate_half(x):                                                  # (..., HS): [x1, x2] -> [-x2, x1]
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat((-x2, x1), dim=-1)


def apply_rope(x, cos, sin):                                         # x (B, NH, T, HS), cos/sin (T, HS)
    return x * cos + rotate_half(x) * sin


class Attention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        C = cfg.hidden_size
        self.NH, self.HS, self.theta = cfg.num_attention_heads, C // cfg.num_attention_heads, cfg.rope_theta
        self.q_proj = nn.Linear(C, C, bias=False)
        self.k_proj = nn.Linear(C, C, bias=False)
        self.v_proj = nn.Linear(C, C, bias=False)
        self.o_proj = nn.Linear(C, C, bias=False)

    def forward(self, x):
        B, T, C = x.shape
        q = self.q_proj(x).view(B, T, self.NH, self.HS).transpose(1, 2)   # (B, NH, T, HS)
        k = self.k_proj(x).view(B, T, self.NH, self.HS).transpose(1, 2)   # (B, NH, T, HS)
        v = self.v_proj(x).view(B, T, self.NH, self.HS).transpose(1, 2)   # (B, NH, T, HS)
        cos, sin = rope_cos_sin(T, self.HS, self.theta, x.device)
        q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
        att = (q @ k.transpose(-2, -1)) / math.sqrt(self.HS)             # (B, NH, T, T)
        causal = torch.ones(T, T, dtype=torch.bool, device=x.device).tril()
        att = att.masked_fill(~causal, float("-inf")).softmax(dim=-1)
        y = (att @ v).transpose(1, 2).reshape(B, T, C)                    # (B, NH, T, HS) -> (B, T, C)
        return self.o_proj(y)


def attention_slow(attn, x):
    """The obviously-correct loop: per sequence, head and query position; RoPE as pair rotations of
    (j, j + HS/2) by angle pos * theta^(-2j/HS), softmax over the keys up to the query."""
    B, T, C = x.shape
    NH, HS = attn.NH, attn.HS
    q, k, v = (x @ w.weight.T for w in (attn.q_proj, attn.k_proj, attn.v_proj))  # (B, T, C) each

    def rotate(vec, pos):                                            # vec (HS,) of one head
        out = vec.clone()
        for j in range(HS // 2):
            angle = pos * attn.theta ** (-2 * j / HS)
            a, b = vec[j], vec[j + HS // 2]
            out[j], out[j + HS // 2] = a * math.cos(angle) - b * math.sin(angle), b * math.cos(angle) + a * math.sin(angle)
        return out

    y = torch.zeros(B, T, C)
    for b in range(B):
        for h in range(NH):
            cols = slice(h * HS, (h + 1) * HS)
            for t in range(T):
                qt = rotate(q[b, t, cols], t)
                w = torch.stack([qt @ rotate(k[b, s, cols], s) / math.sqrt(HS) for s in range(t + 1)]).softmax(0)
                y[b, t, cols] = sum(w[s] * v[b, s, cols] for s in range(t + 1))
    return y @ attn.o_proj.weight.T


class Expert(nn.Module):
    """SwiGLU FFN without biases: down(silu(gate(x)) * up(x)). Dense MLP, each expert, fused shared experts."""

    def __init__(self, C, I):
        super().__init__()
        self.gate_proj = nn.Linear(C, I, bias=False)
        self.up_proj = nn.Linear(C, I, bias=False)
        self.down_proj = nn.Linear(I, C, bias=False)

    def forward(self, x):                                            # (..., C) -> (..., I) -> (..., C)
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class MoEGate(nn.Module):
    """The router e_i (eq. 11) and, in training, the expert-level balance loss (eq. 12-14)."""

    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.weight = nn.Parameter(torch.empty(cfg.n_routed_experts, cfg.hidden_size))  # (E, C)

    def forward(self, x):                                            # x (B, T, C)
        cfg, (B, T, C) = self.cfg, x.shape
        E, K = cfg.n_routed_experts, cfg.num_experts_per_tok
        logits = F.linear(x.reshape(-1, C), self.weight)             # (N, C) @ (C, E) -> (N, E)
        scores = logits.softmax(dim=-1)                              # eq. 11: s_{i,t}, routed experts only
        topk_weight, topk_idx = torch.topk(scores, k=K, dim=-1, sorted=True)  # (N, K) g_{i,t} eq. 10
        if K > 1 and cfg.norm_topk_prob:
            topk_weight = topk_weight / (topk_weight.sum(dim=-1, keepdim=True) + 1e-20)

        aux = None
        if self.training and cfg.aux_loss_alpha > 0:
            if cfg.seq_aux:                                          # per sequence, then mean over B
                ce = torch.zeros(B, E, device=x.device).scatter_add(1, topk_idx.view(B, -1), torch.ones(B, T * K, device=x.device))
                ce = ce.div(T * K / E)                               # eq. 13: f_i (no gradient)
                aux = (ce * scores.view(B, T, E).mean(1)).sum(1).mean() * cfg.aux_loss_alpha  # eq. 12, 14
            else:                                                    # over all N tokens of the batch
                f = F.one_hot(topk_idx.view(-1), num_classes=E).to(scores.dtype).mean(0) * E  # eq. 13
                aux = (scores.mean(0) * f).sum() * cfg.aux_loss_alpha                        # eq. 12, 14
        return topk_idx, topk_weight, scores, aux


class MoE(nn.Module):
    """eq. 9: h_t = sum_shared FFN_i(u_t) + sum_routed g_{i,t} FFN_i(u_t)  (+ u_t: the residual, in the block)."""

    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.gate = MoEGate(cfg)
        self.experts = nn.ModuleList([Expert(cfg.hidden_size, cfg.moe_intermediate_size)
                                      for _ in range(cfg.n_routed_experts)])
        if cfg.n_shared_experts > 0:                                 # K_s experts fused into one FFN
            self.shared_experts = Expert(cfg.hidden_size, cfg.n_shared_experts * cfg.moe_intermediate_size)

    def forward(self, x):                                            # x (B, T, C)
        B, T, C = x.shape
        topk_idx, topk_weight, scores, aux = self.gate(x)            # (N, K), (N, K), (N, E)
        K = topk_idx.shape[1]
        # the official training path: each token repeated K times, each copy sent to one expert
        xs = x.reshape(-1, C).repeat_interleave(K, dim=0)            # (N*K, C)
        flat_idx = topk_idx.view(-1)                                 # (N*K,)
        y = torch.zeros_like(xs)
        for i, expert in enumerate(self.experts):
            sel = flat_idx == i
            y[sel] = expert(xs[sel])
        y = (y.view(-1, K, C) * topk_weight.unsqueeze(-1)).sum(dim=1)  # (N, K, C) -> (N, C)
        y = y.view(B, T, C)
        if self.cfg.n_shared_experts > 0:
            y = y + self.shared_experts(x)                           # shared: weight 1, not in softmax/top-k
        self.routing = (topk_idx, scores)                            # kept for the dump and the checks
        return y, aux


def moe_slow(moe, x):
    """The obviously-correct loop: one token at a time, eq. 9-11 as written, shared experts one by one."""
    cfg, (B, T, C) = moe.cfg, x.shape
    Is, K = cfg.moe_intermediate_size, cfg.num_experts_per_tok
    out = torch.zeros_like(x)
    for b in range(B):
        for t in range(T):
            u = x[b, t]                                              # (C,)
            s = (moe.gate.weight @ u).softmax(dim=-1)                # (E,)
            chosen = sorted(range(cfg.n_routed_experts), key=lambda i: -float(s[i]))[:K]
            g = {i: s[i] for i in chosen}
            if cfg.norm_topk_prob:
                g = {i: gi / sum(g.values()) for i, gi in g.items()}
            h = torch.zeros(C)
            for i in chosen:
                h = h + g[i] * moe.experts[i](u)
            sh = moe.shared_experts
            for j in range(cfg.n_shared_experts):                    # the fused FFN, cut into K_s experts
                rows = slice(j * Is, (j + 1) * Is)
                h = h + sh.down_proj.weight[:, rows] @ (F.silu(sh.gate_proj.weight[rows] @ u) * (sh.up_proj.weight[rows] @ u))
            out[b, t] = h
    return out


def balance_loss_slow(scores, topk_idx, B, T, E, K, alpha, seq_aux):
    """eq. 12-14 with explicit sums: f_i = E/(K*T) * #selections, P_i = mean_t s_{i,t}."""
    groups = [(b * T, (b + 1) * T) for b in range(B)] if seq_aux else [(0, B * T)]
    total = 0.0
    for lo, hi in groups:
        n = hi - lo
        for i in range(E):
            f = E / (K * n) * sum(int(k == i) for k in topk_idx[lo:hi].reshape(-1).tolist())
            P = scores[lo:hi, i].sum() / n
            total = total + f * P
    return alpha * total / len(groups)


class DecoderLayer(nn.Module):
    def __init__(self, cfg, l):
        super().__init__()
        C = cfg.hidden_size
        self.input_layernorm = RMSNorm(C, cfg.rms_norm_eps)
        self.self_attn = Attention(cfg)
        self.post_attention_layernorm = RMSNorm(C, cfg.rms_norm_eps)
        self.mlp = MoE(cfg) if cfg.is_moe_layer(l) else Expert(C, cfg.intermediate_size)

    def forward(self, x):                                            # (B, T, C) -> (B, T, C), aux or None
        h = x + self.self_attn(self.input_layernorm(x))
        m = self.mlp(self.post_attention_layernorm(h))
        m, aux = m if isinstance(m, tuple) else (m, None)
        return h + m, aux                                            # eq. 9: the "+ u_t" residual


class DeepseekModel(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.embed_tokens = nn.Embedding(cfg.vocab_size, cfg.hidden_size)
        self.layers = nn.ModuleList([DecoderLayer(cfg, l) for l in range(cfg.num_hidden_layers)])
        self.norm = RMSNorm(cfg.hidden_size, cfg.rms_norm_eps)


class DeepseekForCausalLM(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        assert not cfg.tie_word_embeddings and cfg.scoring_func == "softmax"
        assert cfg.num_key_value_heads == cfg.num_attention_heads
        self.cfg = cfg
        self.model = DeepseekModel(cfg)
        self.lm_head = nn.Linear(cfg.hidden_size, cfg.vocab_size, bias=False)

    def forward(self, tokens, targets=None):
        """tokens, targets (B, T) int64. Returns a dict: logits (B, T, V), lm_loss, aux_per_layer
        (one per MoE layer, training only), aux (their SUM, the official objective adds each layer's),
        and per MoE layer its (topk_idx (N, K), scores (N, E))."""
        x = self.model.embed_tokens(tokens)                          # (B, T) -> (B, T, C)
        aux_per_layer, routing = [], {}
        for l, layer in enumerate(self.model.layers):
            x, aux = layer(x)
            if isinstance(layer.mlp, MoE):
                routing[l] = layer.mlp.routing
                if aux is not None:
                    aux_per_layer.append(aux)
        logits = self.lm_head(self.model.norm(x))                    # (B, T, C) -> (B, T, V)
        out = {"logits": logits, "aux_per_layer": aux_per_layer, "routing": routing,
               "aux": sum(aux_per_layer) if aux_per_layer else torch.zeros((), device=logits.device)}
        if targets is not None:
            out["lm_loss"] = F.cross_entropy(logits.view(-1, logits.shape[-1]), targets.reshape(-1))
        return out

    @torch.no_grad()
    def init_weights(self, generator):
        """Official _init_weights: every Linear and the Embedding N(0, initializer_range). RMSNorm
        weights are 1 + N(0, 0.1) here (officially ones) so a parity test notices a dropped norm weight."""
        for name, p in self.named_parameters():
            if name.endswith("norm.weight"):
                p.copy_(1 + 0.1 * torch.randn(p.shape, generator=generator))
            else:
                p.copy_(self.cfg.initializer_range * torch.randn(p.shape, generator=generator))
