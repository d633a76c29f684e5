#!/usr/bin/python3
"""Independent PyTorch NTK reference fixtures for non-MLP networks (see the fixture README).

Run from the repository root with the Debian PyTorch (1.13, functorch):

    /usr/bin/python3 bench/pytorch/make_fixtures.py [CASE ...]   (default: all cases)

Each model is written BY HAND as a PyTorch user would (nn.Sequential of real modules, a residual
`Block` and a `SelfAttention` exactly as in docs/networks.md), not built from the architecture JSON
(arch_model.build): the point is an independent check of ntkstream's JSON -> module mapping and of
its tensor names. The matching `NAME.arch.json` is written by hand as well. Standard
parametrization (the modules' own), float64, seeded; batch norms in eval mode with random running
statistics, norm layers with random affine parameters.

Per case NAME (into ntk-core/src/test/resources/fixtures/):
  NAME.arch.json, NAME.safetensors (model.state_dict(), float64; num_batches_tracked as I64),
  NAME.x1.npy (4 samples), NAME.x2.npy (3 samples), float64, shape N x (sample shape)
  (token ids as float64), NAME.f_x1.npy (4, O), NAME.ntk_full.npy (4, 3, O, O).

The kernel is Theta[i, j, o, p] = sum over all parameters of df_o(x1_i)/dtheta * df_p(x2_j)/dtheta,
the Jacobians taken with plain torch.autograd (one autograd.grad per sample and output over
model.parameters()), cross-checked against functorch vmap(jacrev) where that runs.
"""

import json
import os
import sys

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from arch_model import read_safetensors, write_safetensors  # noqa: E402  (numpy only; the reader checks what we wrote)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "ntk-core", "src", "test", "resources", "fixtures")


# --- the modules of docs/networks.md ------------------------------------------------------------

class Block(nn.Module):
    def __init__(self, layers, shortcut=(), scale=1.0):
        super().__init__()
        self.layers = nn.Sequential(*layers)
        self.shortcut = nn.Sequential(*shortcut)  # an empty Sequential returns its input
        self.scale = scale

    def forward(self, x):
        return self.scale * self.layers(x) + self.shortcut(x)


class SelfAttention(nn.MultiheadAttention):
    """nn.MultiheadAttention as a one-input module: self-attention, no mask, or with causal=True the
    causal mask ("causal": true: position l attends to positions m <= l); keeps its tensor names."""

    def __init__(self, *args, causal=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.causal = causal

    def forward(self, x):
        mask = None
        if self.causal:
            length = x.shape[1]  # batch_first (N, L, D)
            mask = torch.triu(torch.full((length, length), float("-inf"), dtype=x.dtype, device=x.device), diagonal=1)
        return super().forward(x, x, x, attn_mask=mask, need_weights=False)[0]


class PositionalEmbedding(nn.Module):
    """A learned positional embedding: x + P, P of shape [L, D] (tensor 'weight')."""

    def __init__(self, L, D):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(L, D))

    def forward(self, x):
        return x + self.weight


# --- the cases ----------------------------------------------------------------------------------

def cnn_resnet_standard():
    model = nn.Sequential(
        nn.Conv2d(3, 4, 3, padding=1),                                   # 0   3x8x8 -> 4x8x8
        nn.BatchNorm2d(4),                                               # 1
        nn.ReLU(),                                                       # 2
        Block([nn.Conv2d(4, 4, 3, padding=1), nn.GELU(),                 # 3   identity shortcut
               nn.Conv2d(4, 4, 3, padding=2, dilation=2)]),
        nn.ReLU(),                                                       # 4
        Block([nn.Conv2d(4, 6, 3, stride=2, padding=1), nn.ReLU(),       # 5   4x8x8 -> 6x4x4
               nn.Conv2d(6, 6, 3, padding=1)],
              shortcut=[nn.Conv2d(4, 6, 1, stride=2, bias=False)], scale=0.5),
        nn.MaxPool2d(2),                                                 # 6   -> 6x2x2
        nn.Conv2d(6, 6, 3, padding=1, groups=2),                         # 7   -> 6x2x2
        nn.AvgPool2d(2),                                                 # 8   -> 6x1x1
        nn.Flatten(),                                                    # 9   -> 6
        nn.Linear(6, 3))                                                 # 10  -> 3
    arch = {"input_shape": [3, 8, 8], "parametrization": "standard",
            "layers": [{"type": "conv2d", "out": 4, "kernel": 3, "padding": 1},
                       {"type": "batch_norm"},
                       {"type": "relu"},
                       {"type": "residual",
                        "layers": [{"type": "conv2d", "out": 4, "kernel": 3, "padding": 1},
                                   {"type": "gelu"},
                                   {"type": "conv2d", "out": 4, "kernel": 3, "padding": 2, "dilation": 2}]},
                       {"type": "relu"},
                       {"type": "residual", "scale": 0.5,
                        "layers": [{"type": "conv2d", "out": 6, "kernel": 3, "stride": 2, "padding": 1},
                                   {"type": "relu"},
                                   {"type": "conv2d", "out": 6, "kernel": 3, "padding": 1}],
                        "shortcut": [{"type": "conv2d", "out": 6, "kernel": 1, "stride": 2, "bias": False}]},
                       {"type": "max_pool", "kernel": 2},
                       {"type": "conv2d", "out": 6, "kernel": 3, "padding": 1, "groups": 2},
                       {"type": "avg_pool", "kernel": 2},
                       {"type": "flatten"},
                       {"type": "dense", "out": 3}]}
    x1 = torch.randn(4, 3, 8, 8, dtype=torch.float64)
    x2 = torch.randn(3, 3, 8, 8, dtype=torch.float64)
    return model, arch, x1, x2


def conv1d_standard():
    model = nn.Sequential(
        nn.Conv1d(2, 4, 3, padding=1),   # 0  2x12 -> 4x12
        nn.Tanh(),                       # 1
        nn.AvgPool1d(2),                 # 2  -> 4x6
        nn.Conv1d(4, 4, 3, stride=2),    # 3  -> 4x2
        nn.Flatten(),                    # 4  -> 8
        nn.Linear(8, 3))                 # 5  -> 3
    arch = {"input_shape": [2, 12], "parametrization": "standard",
            "layers": [{"type": "conv1d", "out": 4, "kernel": 3, "padding": 1},
                       {"type": "tanh"},
                       {"type": "avg_pool", "kernel": 2},
                       {"type": "conv1d", "out": 4, "kernel": 3, "stride": 2},
                       {"type": "flatten"},
                       {"type": "dense", "out": 3}]}
    x1 = torch.randn(4, 2, 12, dtype=torch.float64)
    x2 = torch.randn(3, 2, 12, dtype=torch.float64)
    return model, arch, x1, x2


def transformer(positional=False, causal=False):
    """A one-layer post-LN transformer encoder on 5 tokens of an 11-word vocabulary (embedding,
    self-attention block, layer norm, feed-forward block, layer norm, flatten, linear to 3), as
    nn modules and as ntkstream's JSON; optionally a learned positional embedding after the token
    embedding and a causal attention mask."""
    length, vocab = 5, 11
    modules = [nn.Embedding(vocab, 8)]                                 # [5] ids -> 5x8
    layers = [{"type": "embedding", "num_embeddings": vocab, "embedding_dim": 8}]
    if positional:
        modules.append(PositionalEmbedding(length, 8))                 # + P [5, 8]
        layers.append({"type": "positional_embedding"})
    attention = {"type": "attention", "num_heads": 2}
    if causal:
        attention["causal"] = True                                     # l attends to m <= l
    modules += [Block([SelfAttention(8, 2, batch_first=True, causal=causal)]),
                nn.LayerNorm(8),
                Block([nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 8)]),
                nn.LayerNorm(8),
                nn.Flatten(),                                          # -> 40
                nn.Linear(length * 8, 3)]                              # -> 3
    layers += [{"type": "residual", "layers": [attention]},
               {"type": "layer_norm", "over": "last"},
               {"type": "residual",
                "layers": [{"type": "dense", "out": 16}, {"type": "relu"}, {"type": "dense", "out": 8}]},
               {"type": "layer_norm", "over": "last"},
               {"type": "flatten"},
               {"type": "dense", "out": 3}]
    x1 = torch.randint(0, vocab, (4, length))
    x2 = torch.randint(0, vocab, (3, length))
    x1[0, 0], x2[0, -1] = 0, vocab - 1  # both ends of the vocabulary occur
    arch = {"input_shape": [length], "parametrization": "standard", "layers": layers}
    return nn.Sequential(*modules), arch, x1, x2, vocab


def transformer_standard():
    model, arch, x1, x2, _ = transformer()
    return model, arch, x1, x2


def transformer_pos_standard():
    """transformer_standard with a learned positional embedding after the token embedding."""
    model, arch, x1, x2, _ = transformer(positional=True)
    # the same ids at other positions: only the positional embedding tells them apart
    x2[1] = x1[1].flip(0)
    return model, arch, x1, x2


def transformer_causal_standard():
    """transformer_standard with a learned positional embedding and a causal attention mask."""
    model, arch, x1, x2, vocab = transformer(positional=True, causal=True)
    # samples that differ only at the last position: the mask keeps earlier positions identical
    x2[1] = x1[1]
    x2[1, -1] = (x1[1, -1] + 1) % vocab
    return model, arch, x1, x2


# the seed of a case is 1000 + its index here: append new cases at the end
CASES = {"cnn_resnet_standard": cnn_resnet_standard,
         "conv1d_standard": conv1d_standard,
         "transformer_standard": transformer_standard,
         "transformer_pos_standard": transformer_pos_standard,
         "transformer_causal_standard": transformer_causal_standard}


# --- helpers ------------------------------------------------------------------------------------

def randomize_norms(model, gen):
    """Non-trivial affine parameters and running statistics (a 'trained' model); eval mode."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d, nn.LayerNorm)):
                m.weight.copy_(1 + 0.5 * torch.randn(m.weight.shape, generator=gen, dtype=torch.float64))
                m.bias.copy_(0.3 * torch.randn(m.bias.shape, generator=gen, dtype=torch.float64))
            if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
                m.running_mean.copy_(0.5 * torch.randn(m.running_mean.shape, generator=gen, dtype=torch.float64))
                m.running_var.copy_(0.5 + torch.rand(m.running_var.shape, generator=gen, dtype=torch.float64))
                m.num_batches_tracked.fill_(100)
    model.eval()


def arch_json(arch):
    """The architecture JSON, one top-level layer per line."""
    head = {k: v for k, v in arch.items() if k != "layers"}
    layers = ",\n            ".join(json.dumps(layer) for layer in arch["layers"])
    return json.dumps(head)[:-1] + ',\n "layers": [' + layers + "]}\n"


def jacobian_autograd(model, x):
    """(N, O, P): one autograd.grad per sample and output over all of model.parameters()."""
    params = [p for p in model.parameters()]
    rows = []
    for n in range(x.shape[0]):
        out = model(x[n:n + 1])[0]
        per_output = []
        for o in range(out.shape[0]):
            grads = torch.autograd.grad(out[o], params, retain_graph=True, allow_unused=True)
            per_output.append(torch.cat([(torch.zeros_like(p) if g is None else g).reshape(-1)
                                         for g, p in zip(grads, params)]))
        rows.append(torch.stack(per_output))
    return torch.stack(rows)


def jacobian_functorch(model, x):
    """(N, O, P) with functorch vmap(jacrev) over the samples; the same parameter order."""
    from functorch import jacrev, make_functional_with_buffers, vmap
    fmodel, params, buffers = make_functional_with_buffers(model)

    def f(p, xi):
        return fmodel(p, buffers, xi.unsqueeze(0)).squeeze(0)

    jac = vmap(jacrev(f), in_dims=(None, 0))(params, x)
    return torch.cat([j.reshape(x.shape[0], j.shape[1], -1) for j in jac], dim=2)


def make(name, builder, seed):
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed + 1)
    model, arch, x1, x2 = builder()
    model = model.double()
    randomize_norms(model, gen)
    n_params = sum(p.numel() for p in model.parameters())

    state = {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}
    print(f"{name}: {n_params} parameters; tensors:")
    for k, v in state.items():
        print(f"  {k} {list(v.shape)} {v.dtype}")

    f_x1 = model(x1).detach()
    j1 = jacobian_autograd(model, x1)
    j2 = jacobian_autograd(model, x2)
    assert j1.shape[2] == n_params
    # Theta[i, j, o, p] = <J1[i, o, :], J2[j, p, :]>
    theta = torch.einsum("iok,jpk->ijop", j1, j2)
    try:
        t2 = torch.einsum("iok,jpk->ijop", jacobian_functorch(model, x1), jacobian_functorch(model, x2))
        diff = (t2 - theta).abs().max().item()
        print(f"  functorch vmap(jacrev) vs autograd: max |dTheta| = {diff:.3e} (max |Theta| = "
              f"{theta.abs().max().item():.3e})")
        assert diff <= 1e-12 * theta.abs().max().item(), "functorch and autograd disagree"
    except Exception as e:  # noqa: BLE001 - report and carry on with the autograd kernel
        if isinstance(e, AssertionError):
            raise
        print(f"  functorch vmap(jacrev) did not run on this model: {type(e).__name__}: {e}")

    with open(os.path.join(OUT, name + ".arch.json"), "w") as f:
        f.write(arch_json(arch))
    path = os.path.join(OUT, name + ".safetensors")
    write_safetensors(path, state)
    back = read_safetensors(path)
    assert sorted(back) == sorted(state) and all(np.array_equal(back[k], state[k]) for k in state)
    np.save(os.path.join(OUT, name + ".x1.npy"), x1.double().numpy())
    np.save(os.path.join(OUT, name + ".x2.npy"), x2.double().numpy())
    np.save(os.path.join(OUT, name + ".f_x1.npy"), f_x1.numpy())
    np.save(os.path.join(OUT, name + ".ntk_full.npy"), theta.detach().numpy())
    print(f"  f(x1) {list(f_x1.shape)}, Theta {list(theta.shape)}, max |Theta| = {theta.abs().max().item():.4g}")


def main():
    """All cases, or only those named on the command line (each keeps its seed, 1000 + its index)."""
    torch.set_default_dtype(torch.float64)
    print(f"torch {torch.__version__}, numpy {np.__version__}")
    wanted = sys.argv[1:] or list(CASES)
    unknown = [n for n in wanted if n not in CASES]
    if unknown:
        sys.exit(f"unknown case(s) {unknown}; cases: {list(CASES)}")
    for seed, (name, builder) in enumerate(CASES.items()):
        if name in wanted:
            make(name, builder, 1000 + seed)


if __name__ == "__main__":
    main()
