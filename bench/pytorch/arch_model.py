"""ntkstream's architecture JSON as a PyTorch module, its safetensors checkpoint and .npy inputs.

Used by torch_ntk_bench.py (``--arch/--params/--x``) to time the PyTorch recipes on exactly the
network, weights and inputs ntkstream's ``kernel`` command gets, and to compare the two kernels.
The modules are PyTorch's own (nn.Conv2d, nn.Linear, nn.BatchNorm2d, ...) in an nn.Sequential, so
``load_state_dict(strict=True)`` also checks that the checkpoint's names are PyTorch module paths
(docs/networks.md). In NTK parametrization a convolution or dense layer computes
(sigma_w/sqrt(fan_in))*(W . a) + sigma_b*b with the same tensors (``NtkConv``, ``NtkLinear``).

Layer kinds: conv1d, conv2d, dense, relu, gelu, tanh, erf, sigmoid, identity, avg_pool, max_pool,
global_avg_pool, flatten, residual, batch_norm (any parametrization: it has no scale), layer_norm,
embedding and attention (standard parametrization only).
"""

import json
import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

DTYPES = {"F64": np.float64, "F32": np.float32, "F16": np.float16, "I64": np.int64, "I32": np.int32}


def read_safetensors(path):
    """{name: numpy array} of a safetensors file (8-byte LE header length, JSON header, data)."""
    with open(path, "rb") as f:
        raw = f.read()
    n = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8:8 + n])
    data = raw[8 + n:]
    out = {}
    for name, spec in header.items():
        if name == "__metadata__":
            continue
        start, end = spec["data_offsets"]
        out[name] = np.frombuffer(data[start:end], dtype=DTYPES[spec["dtype"]]).reshape(spec["shape"])
    return out


def write_safetensors(path, tensors):
    """Writes {name: numpy array} (float64, float32, int64, int32) as safetensors, names sorted, C order;
    a 0-d tensor (PyTorch's num_batches_tracked) keeps shape []."""
    codes = {np.dtype(np.float64): "F64", np.dtype(np.float32): "F32", np.dtype(np.int64): "I64",
             np.dtype(np.int32): "I32"}
    header, offset, chunks = {"__metadata__": {"format": "pt"}}, 0, []
    for name in sorted(tensors):
        a = np.asarray(tensors[name])
        b = a.tobytes(order="C")
        header[name] = {"dtype": codes[a.dtype], "shape": list(a.shape), "data_offsets": [offset, offset + len(b)]}
        chunks.append(b)
        offset += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(len(h).to_bytes(8, "little"))
        f.write(h)
        for b in chunks:
            f.write(b)


class NtkConv(nn.Module):
    """A convolution in NTK parametrization: s_w*(W * a) + s_b*b, tensors named weight/bias."""

    def __init__(self, conv, weight_scale, bias_scale):
        super().__init__()
        self.conv = conv
        self.weight, self.bias = conv.weight, conv.bias
        self.weight_scale, self.bias_scale = weight_scale, bias_scale
        del conv.weight
        del conv.bias

    def forward(self, x):
        c = self.conv
        fn = F.conv2d if isinstance(c, nn.Conv2d) else F.conv1d
        b = None if self.bias is None else self.bias * self.bias_scale
        return fn(x, self.weight * self.weight_scale, b, c.stride, c.padding, c.dilation, c.groups)


class NtkLinear(nn.Linear):
    def __init__(self, d_in, d_out, bias, weight_scale, bias_scale):
        super().__init__(d_in, d_out, bias=bias)
        self.weight_scale, self.bias_scale = weight_scale, bias_scale

    def forward(self, x):
        b = None if self.bias is None else self.bias * self.bias_scale
        return F.linear(x, self.weight * self.weight_scale, b)


class Residual(nn.Module):
    def __init__(self, layers, shortcut, scale):
        super().__init__()
        self.layers = nn.Sequential(*layers)
        self.shortcut = nn.Sequential(*shortcut)
        self.scale = scale

    def forward(self, x):
        return self.scale * self.layers(x) + self.shortcut(x)


class SelfAttention(nn.MultiheadAttention):
    def forward(self, x):
        return super().forward(x, x, x, need_weights=False)[0]


class Tokens(nn.Embedding):
    """nn.Embedding on token ids passed as floating-point numbers."""

    def forward(self, x):
        return super().forward(x.long())


class Erf(nn.Module):
    def forward(self, x):
        return torch.erf(x)


ACTIVATIONS = {"relu": nn.ReLU, "gelu": nn.GELU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid,
               "identity": nn.Identity, "erf": Erf}


def pair(v):
    return list(v) if isinstance(v, list) else [v, v]


def build(arch_path):
    """(model, input_shape, output_dim) of an architecture JSON file."""
    with open(arch_path) as f:
        arch = json.load(f)
    shape = list(arch["input_shape"]) if "input_shape" in arch else [arch["input_dim"]]
    ntk = arch.get("parametrization", "ntk") == "ntk"
    sw, sb = arch.get("sigma_w", 1.0), arch.get("sigma_b", 0.0)
    layers, out_shape = build_layers(arch["layers"], list(shape), ntk, sw, sb)
    return nn.Sequential(*layers), shape, int(np.prod(out_shape))


def build_layers(specs, shape, ntk, sw, sb):
    out = []
    for spec in specs:
        layer, shape = build_layer(spec, shape, ntk, sw, sb)
        out.append(layer)
    return out, shape


def build_layer(s, shape, ntk, sw, sb):
    t = s["type"]
    if t in ACTIVATIONS:
        return ACTIVATIONS[t](), shape
    if t in ("conv1d", "conv2d"):
        two = t == "conv2d"
        k, st = pair(s["kernel"]), pair(s.get("stride", 1))
        p, d = pair(s.get("padding", 0)), pair(s.get("dilation", 1))
        groups, bias = s.get("groups", 1), s.get("bias", True)
        cin = shape[0]
        if two:
            conv = nn.Conv2d(cin, s["out"], k, st, p, d, groups, bias)
        else:
            conv = nn.Conv1d(cin, s["out"], k[1], st[1], p[1], d[1], groups, bias)
        spatial = shape[1:]
        ks, ss, ps, ds = (k, st, p, d) if two else ([k[1]], [st[1]], [p[1]], [d[1]])
        new = [(n + 2 * pp - dd * (kk - 1) - 1) // sss + 1 for n, kk, sss, pp, dd in zip(spatial, ks, ss, ps, ds)]
        fan_in = cin // groups * int(np.prod(ks))
        layer = NtkConv(conv, sw / math.sqrt(fan_in), sb) if ntk else conv
        return layer, [s["out"]] + new
    if t == "dense":
        if len(shape) not in (1, 2):
            raise ValueError("dense needs flat or [L, D] inputs, got %s" % shape)
        d_in, bias = shape[-1], s.get("bias", True)
        layer = NtkLinear(d_in, s["out"], bias, sw / math.sqrt(d_in), sb) if ntk else nn.Linear(d_in, s["out"], bias)
        return layer, shape[:-1] + [s["out"]]
    if t in ("avg_pool", "max_pool"):
        two = len(shape) == 3
        k = pair(s["kernel"])
        st = pair(s.get("stride", s["kernel"]))
        p = pair(s.get("padding", 0))
        if two:
            layer = (nn.AvgPool2d(k, st, p) if t == "avg_pool" else nn.MaxPool2d(k, st, p))
            new = [(n + 2 * pp - kk) // sss + 1 for n, kk, sss, pp in zip(shape[1:], k, st, p)]
        else:
            layer = (nn.AvgPool1d(k[1], st[1], p[1]) if t == "avg_pool" else nn.MaxPool1d(k[1], st[1], p[1]))
            new = [(shape[1] + 2 * p[1] - k[1]) // st[1] + 1]
        return layer, [shape[0]] + new
    if t == "global_avg_pool":
        two = len(shape) == 3
        return (nn.AdaptiveAvgPool2d(1) if two else nn.AdaptiveAvgPool1d(1)), [shape[0]] + [1] * (len(shape) - 1)
    if t == "flatten":
        return nn.Flatten(), [int(np.prod(shape))]
    if t == "residual":
        branch, bshape = build_layers(s["layers"], list(shape), ntk, sw, sb)
        short, sshape = build_layers(s.get("shortcut", []), list(shape), ntk, sw, sb)
        if bshape != sshape:
            raise ValueError("residual: branch gives %s, shortcut %s" % (bshape, sshape))
        return Residual(branch, short, s.get("scale", 1.0)), bshape
    if t == "batch_norm":
        c = shape[0]
        bn = nn.BatchNorm2d(c, s.get("eps", 1e-5)) if len(shape) == 3 else nn.BatchNorm1d(c, s.get("eps", 1e-5))
        return bn, shape
    if ntk:
        raise ValueError("%s: only in standard parametrization here" % t)
    if t == "layer_norm":
        over = shape[-1:] if s.get("over", "all") == "last" else shape
        return nn.LayerNorm(over, s.get("eps", 1e-5), s.get("affine", True)), shape
    if t == "embedding":
        return Tokens(s["num_embeddings"], s["embedding_dim"]), shape + [s["embedding_dim"]]
    if t == "attention":
        return SelfAttention(shape[-1], s["num_heads"], bias=s.get("bias", True), batch_first=True), shape
    raise ValueError("layer kind %r is not supported here" % t)


def load(arch_path, params_path, dtype):
    """The model of an architecture with a checkpoint's tensors (names must match exactly), eval mode."""
    model, shape, outputs = build(arch_path)
    tensors = {k: torch.from_numpy(np.array(v)) for k, v in read_safetensors(params_path).items()}
    model = model.to(dtype)
    state = model.state_dict()
    for k, v in tensors.items():
        if k in state and state[k].is_floating_point():
            tensors[k] = v.to(dtype)
    model.load_state_dict(tensors, strict=True)
    model.eval()
    return model, shape, outputs
