# hf_folder.py: HuggingFace model folders (config.json + safetensors, one file or shards with
# model.safetensors.index.json) on the PyTorch side, without transformers or safetensors installed.
#   eval FOLDER TOKENS   load FOLDER into the float64 reference DeepseekForCausalLM
#                        (deepseek_moe_reference.py) by the official state-dict names with
#                        load_state_dict(strict=True) — every name present, none extra, every shape
#                        right — and print, as one JSON object, what `moe eval --json` prints for the
#                        same folder and tokens file: "loss" (mean next-token cross-entropy over all
#                        predicted tokens, each sequence run on its own) and "aux_loss" (Σ over MoE
#                        layers, mean over sequences), plus "aux_per_layer" and "min_topk_margin" (the
#                        smallest gap between a token's K'-th and (K'+1)-th router logit: how far every
#                        routing decision is from a tie, so a float32 run makes the same decisions).
#   official FOLDER      write a small model laid out as deepseek-ai/deepseek-moe-16b-base is: the
#                        official config.json field set (small sizes), bf16 tensors under the official
#                        names in shards model-0000i-of-0000n.safetensors (header metadata
#                        {"format": "pt"}) and the official index {"metadata": {"total_size"},
#                        "weight_map"}; layer 0 dense (first_k_dense_replace = 1).
# Usage: /usr/bin/python3 Model/python/hf_folder.py eval|official ...   (tested by
# PropertyTests/Model/Checkpoint/HfReferenceTests.cs). Errors: one line on stderr, exit 1.
# Not a transformers replacement: the model is the reference, which computes what the official
# modeling_deepseek.py computes (see its header for the deliberate differences, none in the math).
import json
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import safetensors_io  # noqa: E402
from deepseek_moe_reference import DeepseekConfig, DeepseekForCausalLM  # noqa: E402

INDEX, SINGLE = "model.safetensors.index.json", "model.safetensors"


def read_weights(folder):
    """{official name: numpy array} of the folder, the index and its shards checked against each other."""
    folder = Path(folder)
    if not (folder / INDEX).exists():
        return safetensors_io.load(folder / SINGLE)
    weight_map = json.loads((folder / INDEX).read_text())["weight_map"]
    weights = {}
    for shard in sorted(set(weight_map.values())):
        tensors = safetensors_io.load(folder / shard)
        listed = {name for name, file in weight_map.items() if file == shard}
        if set(tensors) != listed:
            raise ValueError(f"{folder / shard}: holds {sorted(set(tensors) - listed)[:3]} unlisted, lacks {sorted(listed - set(tensors))[:3]} of the index")
        weights.update(tensors)
    return weights


def load_reference(folder):
    """The float64 reference model with the folder's weights, loaded strictly by official name."""
    config = json.loads((Path(folder) / "config.json").read_text())
    # Ours, beside the official fields: the reference computes only the official DeepSeekMoE.
    if config.get("moe_kind", "deepseek") != "deepseek" or config.get("device_aux_loss_alpha", 0) != 0:
        raise ValueError(f"{folder}: moe_kind {config.get('moe_kind')} / device_aux_loss_alpha {config.get('device_aux_loss_alpha')} are not in the official model")
    torch.set_default_dtype(torch.float64)
    model = DeepseekForCausalLM(DeepseekConfig.from_dict(config))
    state = {name: torch.from_numpy(np.asarray(a, dtype=np.float64)) for name, a in read_weights(folder).items()}
    model.load_state_dict(state, strict=True)   # raises on a missing, unexpected or misshapen tensor
    return model


@torch.no_grad()
def evaluate(model, sequences):
    model.train()                                                    # training mode: the aux loss is computed
    K = model.cfg.num_experts_per_tok
    ce_sum, predicted, aux_sum, aux_per_layer, margin = 0.0, 0, 0.0, {}, float("inf")
    for seq in sequences:
        tokens = torch.tensor(seq, dtype=torch.int64).unsqueeze(0)  # (1, n)
        # HF convention: the model runs on all n tokens (the balance losses see all n), the loss is over
        # the n - 1 shifted targets (the last position has none: -100, F.cross_entropy's ignore_index)
        targets = torch.cat([tokens[:, 1:], torch.full((1, 1), -100, dtype=torch.int64)], dim=1)
        out = model(tokens, targets)
        T = tokens.shape[1] - 1
        ce_sum += float(out["lm_loss"]) * T
        predicted += T
        aux_sum += float(out["aux"])
        for (layer, (_, scores)), aux in zip(sorted(out["routing"].items()), out["aux_per_layer"]):
            aux_per_layer[str(layer)] = aux_per_layer.get(str(layer), 0.0) + float(aux)
            top = scores.topk(K + 1, dim=-1).values if K < scores.shape[-1] else None
            if top is not None:
                margin = min(margin, float((top[:, K - 1].log() - top[:, K].log()).min()))  # = the router-logit gap
    n = len(sequences)
    return {"loss": ce_sum / predicted, "aux_loss": aux_sum / n, "aux_per_layer": {k: v / n for k, v in aux_per_layer.items()},
            "min_topk_margin": margin, "sequences": n, "tokens": predicted}


# The official deepseek-moe-16b-base config.json field set, with small sizes. Its values there:
# vocab 102400, hidden 2048, intermediate 10944, moe_intermediate 1408, 28 layers, 16 heads,
# 2 shared + 64 routed experts, 6 per token, max_position_embeddings 4096, bos/eos 100000/100001.
OFFICIAL_CONFIG = {
    "architectures": ["DeepseekForCausalLM"],
    "attention_bias": False,
    "attention_dropout": 0.0,
    "auto_map": {
        "AutoConfig": "configuration_deepseek.DeepseekConfig",
        "AutoModel": "modeling_deepseek.DeepseekModel",
        "AutoModelForCausalLM": "modeling_deepseek.DeepseekForCausalLM",
    },
    "aux_loss_alpha": 0.001,
    "bos_token_id": 0,
    "eos_token_id": 1,
    "first_k_dense_replace": 1,
    "hidden_act": "silu",
    "hidden_size": 64,
    "initializer_range": 0.02,
    "intermediate_size": 176,
    "max_position_embeddings": 64,
    "model_type": "deepseek",
    "moe_intermediate_size": 24,
    "moe_layer_freq": 1,
    "n_routed_experts": 16,
    "n_shared_experts": 2,
    "norm_topk_prob": False,
    "num_attention_heads": 4,
    "num_experts_per_tok": 6,
    "num_hidden_layers": 3,
    "num_key_value_heads": 4,
    "pretraining_tp": 1,
    "rms_norm_eps": 1e-06,
    "rope_scaling": None,
    "rope_theta": 10000,
    "scoring_func": "softmax",
    "seq_aux": True,
    "tie_word_embeddings": False,
    "torch_dtype": "bfloat16",
    "transformers_version": "4.36.0",
    "use_cache": True,
    "vocab_size": 512,
}


def write_official(folder, seed=7, shards=3):
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    torch.set_default_dtype(torch.float64)
    model = DeepseekForCausalLM(DeepseekConfig.from_dict(OFFICIAL_CONFIG))
    model.init_weights(torch.Generator().manual_seed(seed))
    with torch.no_grad():                                            # wide routers: decisions far from ties
        for layer in model.model.layers:
            if hasattr(layer.mlp, "gate"):
                layer.mlp.gate.weight.mul_(10)
    names = [name for name, _ in model.named_parameters()]          # the official state-dict order
    params = dict(model.named_parameters())
    cut = [round(len(names) * i / shards) for i in range(shards + 1)]
    weight_map, total = {}, 0
    for i in range(shards):
        file = f"model-{i + 1:05d}-of-{shards:05d}.safetensors"
        part = [(n, params[n].detach().numpy().astype(np.float32), "BF16") for n in names[cut[i]:cut[i + 1]]]
        safetensors_io.save(folder / file, part, {"format": "pt"})
        for n, a, _ in part:
            weight_map[n] = file
            total += a.size * 2
    index = {"metadata": {"total_size": total}, "weight_map": dict(sorted(weight_map.items()))}
    (folder / INDEX).write_text(json.dumps(index, indent=2) + "\n")
    (folder / "config.json").write_text(json.dumps(OFFICIAL_CONFIG, indent=2) + "\n")


def main(argv):
    if len(argv) == 3 and argv[0] == "eval":
        sequences = json.loads(Path(argv[2]).read_text())
        print(json.dumps(evaluate(load_reference(argv[1]), sequences)))
    elif len(argv) == 2 and argv[0] == "official":
        write_official(argv[1])
    else:
        print("usage: hf_folder.py eval FOLDER TOKENS.json | official FOLDER", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except (ValueError, RuntimeError, OSError, KeyError) as e:
        print(f"hf_folder.py: error: {' '.join(str(e).split())}", file=sys.stderr)
        sys.exit(1)
