#!/usr/bin/env python3
"""Empirical-NTK baseline benchmark with PyTorch function transforms.

This is the comparison point for ntkstream: what a PyTorch user would run
to get the empirical Neural Tangent Kernel of an MLP on CPU, following the
idea of the official PyTorch tutorial "Neural Tangent Kernels" (torch.func /
functorch).  The code here is our own, written from that idea:

* ``jacobian``  -- Jacobian contraction: per-sample Jacobians
  ``J = vmap(jacrev(f))`` over all parameters, then ``Theta = J1 . J2^T``
  (einsum per parameter tensor, summed).
* ``ntvp``      -- NTK-vector products: for a pair (x1, x2) take the VJP of
  f(., x1) with each vector of the basis of output cotangents (``vmap`` over
  the basis), push the result forward with the JVP of f(., x2); ``vmap`` over
  the pairs.  For ``pseudo`` the basis is the single all-ones cotangent.
* ``ntvp-batched`` (ours, not in the tutorial; only run when asked for) --
  the same VJP/JVP products, but the JVP is applied to a whole block of x2
  as one batch (``vmap`` over x1 samples and the cotangent basis only).  On
  PyTorch 1.13 CPU the tutorial's pair-wise ``vmap`` makes the batched-weight
  matmuls broadcast-copy a weight-sized tangent per pair; this variant avoids
  that and is the stronger NTVP baseline.

Both run over the parameters of ``nn.Sequential(Linear(D,W), ReLU(), ...,
Linear(W,O))`` with x1 = x2 = the N inputs, and produce

* ``full``     Theta[n, m, a, b]                    shape (N, N, O, O)
* ``trace``    sum_a Theta[n, m, a, a]              shape (N, N)
* ``diagonal`` Theta[n, m, a, a]                    shape (N, N, O)
* ``pseudo``   (1/O) sum_{a,b} Theta[n, m, a, b]    shape (N, N)

Memory budget (``--mem-mib``): the N x N result is built block by block.
Row/column blocks are sized from an estimate of the bytes the block needs
(Jacobian blocks: rows * O * P * itemsize; NTVP: the VJP results plus the
forward-mode tangents of every pair in the block); if not even the smallest
block fits, the method is reported as not runnable within the budget
(a JSON line with ``"error"``).  As x1 = x2, only blocks I <= J are computed
and the lower triangle is mirrored (``--no-symmetry`` turns that off).  The
measured peak RSS is reported next to the budget ("within_budget").

FLOP count used for ``gflops`` (a *nominal* count, the same for both methods
so rates are comparable with each other and with ntkstream; it is the work of
the plain Jacobian-contraction algorithm, not what each method executes):

    P      = number of parameters
    K      = O*O for full, O for trace and diagonal, 1 for pseudo
    flops  = 2*N*O*(2*P)        forming J by reverse mode: N*O backward
                                passes, each counted as 2*P mult-adds
                                (a simple estimate; forward pass excluded)
           + 2*N*N*P*K          the contraction J1 . J2^T
    gflops = flops / best_seconds / 1e9

It does not halve the contraction for the x1 = x2 symmetry, even when the
symmetry is used, and does not count the recomputation of Jacobian blocks.

Timing: one warm-up run, then the best of ``--repeats`` runs (wall clock,
``time.perf_counter``), around the whole kernel computation (Jacobians or
VJP/JVPs, contraction, block assembly); model and input construction are
excluded.  Each method runs in its own child process (so ``peak_rss_mib``,
from ``resource.getrusage(RUSAGE_SELF).ru_maxrss``, belongs to that method
only) and prints one JSON object per line.

``--check`` prints, for a small case, the maximum relative difference
(max |A - B| / max |B|) between the two methods and between each method and
a plain reference (one ``torch.autograd.grad`` per sample and output).

Works with ``torch.func`` (PyTorch >= 2.0) and falls back to ``functorch``
(PyTorch 1.13, e.g. Debian's python3-torch).
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time

MODES = ("full", "trace", "diagonal", "pseudo")
METHODS = ("jacobian", "ntvp")          # what --method all runs (the tutorial's two)
EXTRA_METHODS = ("ntvp-batched",)       # our variant, run only when asked for


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--in", dest="d_in", type=int, default=784, help="input dimension D")
    p.add_argument("--width", type=int, default=1024, help="hidden width W")
    p.add_argument("--depth", type=int, default=3, help="number of hidden layers L")
    p.add_argument("--out", dest="d_out", type=int, default=1, help="output dimension O")
    p.add_argument("--n", type=int, default=512, help="number of inputs N (x1 = x2)")
    p.add_argument("--mode", choices=MODES + ("all",), default="trace")
    p.add_argument("--method", choices=METHODS + EXTRA_METHODS + ("all",), default="all",
                   help="all = jacobian and ntvp")
    p.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    p.add_argument("--threads", type=int, default=None, help="torch threads (default: all cores)")
    p.add_argument("--repeats", type=int, default=3, help="timed runs after one warm-up; best is kept")
    p.add_argument("--mem-mib", type=float, default=4096.0, help="memory budget in MiB")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--block", type=int, default=None,
                   help="force the row/column block size (default: largest that fits the budget)")
    p.add_argument("--no-symmetry", action="store_true",
                   help="compute every block instead of mirroring the lower triangle")
    p.add_argument("--time-budget", type=float, default=None,
                   help="seconds; after the warm-up, run only as many repeats as fit (at least 1)")
    p.add_argument("--arch", default=None,
                   help="an ntkstream architecture JSON (e.g. bench/resnet/resnet.arch.json) instead of the MLP;"
                        " needs --params and --x")
    p.add_argument("--params", default=None, help="with --arch: the safetensors checkpoint ntkstream reads")
    p.add_argument("--x", default=None, help="with --arch: the inputs, an .npy of N samples (N x C x H x W, ...)")
    p.add_argument("--save", default=None, help="write the last timed kernel to this .npy (to compare with ntkstream)")
    p.add_argument("--check", action="store_true",
                   help="compare both methods (and a plain autograd reference) instead of timing")
    a = p.parse_args(argv)
    if a.arch and not (a.params and a.x):
        p.error("--arch needs --params and --x")
    if a.threads is None:
        try:
            a.threads = len(os.sched_getaffinity(0))
        except AttributeError:
            a.threads = os.cpu_count() or 1
    return a


ARGS = parse_args() if __name__ == "__main__" else None

# OpenBLAS/BLIS/MKL read their thread count when loaded: set it before torch.
if ARGS is not None:
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS"):
        os.environ.setdefault(var, str(ARGS.threads))

import torch  # noqa: E402
from torch import nn  # noqa: E402

try:  # PyTorch >= 2.0
    from torch.func import functional_call, jacrev, jvp, vjp, vmap

    def functionalize(model):
        params = {k: v.detach() for k, v in model.named_parameters()}

        def fnet(ps, x):
            return functional_call(model, ps, (x,))

        return fnet, params

    FT_API = "torch.func"
except ImportError:  # PyTorch 1.13: functorch
    from functorch import jacrev, jvp, make_functional, vjp, vmap

    def functionalize(model):
        fmodel, ps = make_functional(model)
        return fmodel, tuple(t.detach() for t in ps)

    FT_API = "functorch"


def leaves(tree):
    """Parameter tensors of a params pytree (dict for torch.func, tuple for functorch)."""
    return list(tree.values()) if isinstance(tree, dict) else list(tree)


# --------------------------------------------------------------------------- model

def build_mlp(d_in, width, depth, d_out, dtype, seed):
    torch.manual_seed(seed)
    layers, prev = [], d_in
    for _ in range(depth):
        layers += [nn.Linear(prev, width), nn.ReLU()]
        prev = width
    layers.append(nn.Linear(prev, d_out))
    return nn.Sequential(*layers).to(dtype)


def make_inputs(n, d_in, dtype, seed):
    g = torch.Generator().manual_seed(seed + 1)
    return torch.randn(n, d_in, generator=g, dtype=dtype)


def load_case(a, dtype):
    """(model, x): the MLP and random inputs, or --arch/--params/--x; sets a.n, a.d_out, a.P for the estimates."""
    if not a.arch:
        return build_mlp(a.d_in, a.width, a.depth, a.d_out, dtype, a.seed), make_inputs(a.n, a.d_in, dtype, a.seed)
    import numpy as np
    import arch_model
    model, shape, outputs = arch_model.load(a.arch, a.params, dtype)
    x = torch.from_numpy(np.load(a.x)).to(dtype)
    if list(x.shape[1:]) != list(shape):
        raise SystemExit("--x: samples of shape %s, the architecture takes %s" % (list(x.shape[1:]), shape))
    a.n, a.d_out = x.shape[0], outputs
    a.P = sum(p.numel() for p in model.parameters())
    # per-sample activations (for the NTVP memory estimate): every leaf module's output
    sizes = []
    hooks = [m.register_forward_hook(lambda m, i, o: sizes.append(o[0].numel()))
             for m in model.modules() if not list(m.children())]
    with torch.no_grad():
        model(x[:1])
    for h in hooks:
        h.remove()
    a.activations = sum(sizes)
    a.largest_tensor = max(p.numel() for p in model.parameters())
    return model, x


def shape_string(a):
    if a.arch:
        return os.path.basename(a.arch).split(".")[0]
    return "-".join(str(x) for x in [a.d_in] + [a.width] * a.depth + [a.d_out])


def layer_dims(a):
    dims = [a.d_in] + [a.width] * a.depth + [a.d_out]
    return list(zip(dims[:-1], dims[1:]))


def n_params(a):
    if a.arch:
        return a.P
    return sum(i * o + o for i, o in layer_dims(a))


def nominal_flops(a, mode):
    P, N, O = n_params(a), a.n, a.d_out
    K = {"full": O * O, "trace": O, "diagonal": O, "pseudo": 1}[mode]
    return 2 * N * O * (2 * P) + 2 * N * N * P * K


# --------------------------------------------------------------------------- memory

MIB = 1024.0 * 1024.0


def current_rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


def result_bytes(a, mode):
    N, O = a.n, a.d_out
    per = {"full": O * O, "trace": 1, "diagonal": O, "pseudo": 1}[mode]
    return N * N * per


def jacobian_block_bytes(a, rows, mode, itemsize):
    """Bytes for two Jacobian blocks (rows x O x P) and one transient of the same size
    (jacrev's per-sample gradients / einsum operand copies)."""
    J = rows * a.d_out * n_params(a) * itemsize
    return 3 * J


def ntvp_block_bytes(a, bi, bj, mode, itemsize, batched=False):
    """Bytes for one (bi x bj) block of NTK-vector products.

    VJP results: bi * B * P (B = number of cotangent basis vectors), counted twice
    (the per-sample weight gradients are formed, then kept as JVP tangents).
    JVP: per (pair, basis vector) the forward tangents and the broadcast layer
    inputs of every layer, counted twice for temporaries; for the pair-wise
    tutorial form also a copy of the largest weight tangent per (pair, basis
    vector) (the broadcast in the batched matmul, see ntvp-batched), twice."""
    B = 1 if mode == "pseudo" else a.d_out
    P = n_params(a)
    if a.arch:
        per_pair = 4 * a.activations + (0 if batched else 2 * a.largest_tensor)
    else:
        per_pair = 2 * sum(i + 2 * o for i, o in layer_dims(a))
        if not batched:
            per_pair += 2 * max(i * o for i, o in layer_dims(a))
    return itemsize * (2 * bi * B * P + bi * bj * B * per_pair + bi * bj * B * a.d_out)


def candidate_blocks(n):
    c = {n}
    b = 1
    while b < n:
        c.add(b)
        b *= 2
    # also near-even splits of n, so that e.g. n=512 can use 171 or 256
    for parts in range(2, 65):
        c.add(-(-n // parts))
    return sorted(c, reverse=True)


BLOCK_OVERHEAD_PAIRS = 256


def evaluated_blocks(n, rb, cb, symmetric):
    nr, nc = -(-n // rb), -(-n // cb)
    if symmetric and rb == cb and rb < n:
        return nr * (nr + 1) // 2
    return nr * nc


def evaluated_pairs(n, rb, cb, symmetric):
    """Pairs computed by compute_ntk for this blocking (mirrored blocks are not)."""
    if not (symmetric and rb == cb) or rb >= n:
        return n * n
    edges = [(s, min(s + rb, n)) for s in range(0, n, rb)]
    return sum((r1 - r0) * (c1 - c0) for (r0, r1) in edges for (c0, c1) in edges if c0 >= r0)


def plan_blocks(a, method, mode, itemsize, avail):
    """Return (row_block, col_block, estimated_bytes) or None if nothing fits."""
    if a.block:
        b = min(a.block, a.n)
        est = (jacobian_block_bytes(a, b, mode, itemsize) if method == "jacobian"
               else ntvp_block_bytes(a, b, b, mode, itemsize, method == "ntvp-batched"))
        return b, b, est
    if method == "jacobian":
        # a single block holds J once (x1 = x2): J + one transient
        one = 2 * a.n * a.d_out * n_params(a) * itemsize
        if one <= avail:
            return a.n, a.n, one
        for b in candidate_blocks(a.n):
            est = jacobian_block_bytes(a, b, mode, itemsize)
            if est <= avail:
                return b, b, est
        return None
    batched = method == "ntvp-batched"
    best = None
    for bi in candidate_blocks(a.n):
        for bj in candidate_blocks(a.n):
            est = ntvp_block_bytes(a, bi, bj, mode, itemsize, batched)
            if est > avail:
                continue
            # cost model in units of one (x1, x2) pair: the pairs evaluated
            # (square blocks let the lower triangle be mirrored) plus a fixed
            # overhead of BLOCK_OVERHEAD_PAIRS per block evaluated
            key = (evaluated_pairs(a.n, bi, bj, not a.no_symmetry)
                   + BLOCK_OVERHEAD_PAIRS * evaluated_blocks(a.n, bi, bj, not a.no_symmetry), -bi)
            if best is None or key < best[0]:
                best = (key, bi, bj, est)
    return None if best is None else best[1:]


# --------------------------------------------------------------------------- NTK kernels

class NTK:
    def __init__(self, model, mode):
        self.fnet, self.params = functionalize(model)
        self.mode = mode
        p0 = leaves(self.params)[0]
        self.d_out = model[-1].out_features
        if mode == "pseudo":
            self.basis = torch.ones(1, self.d_out, dtype=p0.dtype)
        else:
            self.basis = torch.eye(self.d_out, dtype=p0.dtype)

    def f1(self, params, x):
        """The network on one sample: (D,) -> (O,)."""
        return self.fnet(params, x.unsqueeze(0)).squeeze(0)

    # ---- Jacobian contraction
    def jacobian(self, x):
        jac = vmap(jacrev(self.f1), in_dims=(None, 0))(self.params, x)
        return [j.flatten(2) for j in leaves(jac)]  # each (b, O, P_k)

    def contract(self, j1, j2):
        mode, out = self.mode, None
        for a, b in zip(j1, j2):
            if mode == "full":
                t = torch.einsum("naf,mbf->nmab", a, b)
            elif mode == "trace":
                t = torch.einsum("naf,maf->nm", a, b)
            elif mode == "diagonal":
                t = torch.einsum("naf,maf->nma", a, b)
            else:  # pseudo: (sum_a J_a) . (sum_b J_b) / O
                t = torch.einsum("nf,mf->nm", a.sum(1), b.sum(1))
            out = t if out is None else out.add_(t)
        if mode == "pseudo":
            out.div_(self.d_out)
        return out

    # ---- NTK-vector products
    def ntvp_block(self, x1, x2):
        params, basis, f1 = self.params, self.basis, self.f1

        def pair(a, b):
            _, pullback = vjp(lambda p: f1(p, a), params)

            def column(cot):
                (tangent,) = pullback(cot)
                _, push = jvp(lambda p: f1(p, b), (params,), (tangent,))
                return push

            return vmap(column)(basis)  # (B, O): [k, b] = J(a)[k] . J(b)[b]

        res = vmap(vmap(pair, in_dims=(None, 0)), in_dims=(0, None))(x1, x2)  # (n, m, B, O)
        return self.reduce(res)

    def ntvp_batched_block(self, x1, x2):
        params, basis, f1, fnet = self.params, self.basis, self.f1, self.fnet

        def row(a):
            _, pullback = vjp(lambda p: f1(p, a), params)

            def column(cot):
                (tangent,) = pullback(cot)
                _, push = jvp(lambda p: fnet(p, x2), (params,), (tangent,))
                return push  # (m, O)

            return vmap(column)(basis)  # (B, m, O)

        res = vmap(row)(x1)  # (n, B, m, O)
        return self.reduce(res.transpose(1, 2))

    def reduce(self, res):
        """(n, m, B, O) NTK-vector products -> the requested mode."""
        if self.mode == "full":
            return res
        if self.mode == "trace":
            return torch.einsum("nmkk->nm", res)
        if self.mode == "diagonal":
            return torch.einsum("nmkk->nmk", res)
        return res[:, :, 0, :].sum(-1).div_(self.d_out)


def mirror(block, mode):
    t = block.transpose(0, 1)
    return t.transpose(2, 3) if mode == "full" else t


def compute_ntk(ntk, method, x, rb, cb, symmetric):
    """Assemble the N x N kernel block by block (x1 = x2 = x)."""
    n = x.shape[0]
    if method == "jacobian" and rb >= n:
        j = ntk.jacobian(x)
        return ntk.contract(j, j)
    block_fn = ntk.ntvp_batched_block if method == "ntvp-batched" else ntk.ntvp_block
    if method != "jacobian" and rb >= n and cb >= n:
        return block_fn(x, x)
    out = None
    rows = [(s, min(s + rb, n)) for s in range(0, n, rb)]
    cols = [(s, min(s + cb, n)) for s in range(0, n, cb)]
    for (r0, r1) in rows:
        jr = ntk.jacobian(x[r0:r1]) if method == "jacobian" else None
        for (c0, c1) in cols:
            if symmetric and rb == cb and c1 <= r0:
                continue  # filled by mirroring block (c, r)
            if method == "jacobian":
                jc = jr if (c0, c1) == (r0, r1) else ntk.jacobian(x[c0:c1])
                blk = ntk.contract(jr, jc)
                del jc
            else:
                blk = block_fn(x[r0:r1], x[c0:c1])
            if out is None:
                out = blk.new_empty((n, n) + tuple(blk.shape[2:]))
            out[r0:r1, c0:c1] = blk
            if symmetric and rb == cb and c0 > r0:
                out[c0:c1, r0:r1] = mirror(blk, ntk.mode)
            del blk
        del jr
    return out


# --------------------------------------------------------------------------- drivers

def blas_library():
    try:
        with open("/proc/self/maps") as f:
            libs = {ln.split()[-1] for ln in f if "blas" in ln.lower() or "mkl" in ln.lower()}
        return sorted(l for l in libs if l.startswith("/"))
    except OSError:
        return []


def allocator():
    """The malloc in use (LD_PRELOADed jemalloc/tcmalloc, else glibc) and its tuning env."""
    try:
        with open("/proc/self/maps") as f:
            maps = f.read()
    except OSError:
        maps = ""
    name = "jemalloc" if "jemalloc" in maps else "tcmalloc" if "tcmalloc" in maps else "glibc"
    env = {k: os.environ[k] for k in ("MALLOC_CONF", "GLIBC_TUNABLES") if k in os.environ}
    return {"name": name, **env}


def base_record(a, method, mode):
    return {
        "impl": "pytorch-functorch", "method": method, "mode": mode, "dtype": a.dtype,
        "shape": shape_string(a), "n": a.n, "params": n_params(a),
    }


def run_one(a, method, mode):
    """Time one method in this process and print its JSON line."""
    torch.set_num_threads(a.threads)
    dtype = getattr(torch, a.dtype)
    model, x = load_case(a, dtype)
    ntk = NTK(model, mode)
    itemsize = torch.empty((), dtype=dtype).element_size()
    budget = a.mem_mib * MIB
    avail = budget - current_rss_bytes() - result_bytes(a, mode) * itemsize
    rec = base_record(a, method, mode)
    rec.update({"threads": a.threads, "torch_version": torch.__version__, "api": FT_API,
                "mem_mib": a.mem_mib})
    plan = plan_blocks(a, method, mode, itemsize, avail)
    if plan is None:
        rec.update({"error": "cannot run within --mem-mib %.0f (smallest block needs more)" % a.mem_mib,
                    "seconds": None})
        print(json.dumps(rec), flush=True)
        return 2
    rb, cb, est = plan
    sym = not a.no_symmetry
    times = []
    with torch.no_grad():
        t0 = time.perf_counter()
        res = compute_ntk(ntk, method, x, rb, cb, sym)
        warm = time.perf_counter() - t0
        del res
        reps = a.repeats
        if a.time_budget is not None:
            reps = max(1, min(reps, int(a.time_budget // max(warm, 1e-9)) - 1))
        cpu = []
        for _ in range(reps):
            c0 = cpu_seconds()
            t0 = time.perf_counter()
            res = compute_ntk(ntk, method, x, rb, cb, sym)
            times.append(time.perf_counter() - t0)
            cpu.append(cpu_seconds() - c0)
            if a.save:
                import numpy as np
                np.save(a.save, res.numpy())
            del res
    best = min(times)
    peak = peak_rss_mib()
    rec.update({
        "seconds": round(best, 4), "all_seconds": [round(t, 4) for t in times],
        "warmup_seconds": round(warm, 4),
        # CPU time of this process (all its threads) during each timed run: well
        # below threads * wall means the CPUs were shared with something else
        "cpu_seconds": [round(c, 3) for c in cpu],
        "gflops": round(nominal_flops(a, mode) / best / 1e9, 3),
        "nominal_gflop": round(nominal_flops(a, mode) / 1e9, 3),
        "peak_rss_mib": round(peak, 1), "within_budget": peak <= a.mem_mib,
        "block_rows": rb, "block_cols": cb, "symmetry": sym,
        "est_block_mib": round(est / MIB, 1),
        "blas": blas_library(), "allocator": allocator(),
    })
    # keep the brief's field order first
    order = ["impl", "method", "mode", "dtype", "shape", "n", "seconds", "all_seconds", "gflops",
             "peak_rss_mib", "threads", "torch_version"]
    out = {k: rec[k] for k in order}
    out.update({k: v for k, v in rec.items() if k not in out})
    print(json.dumps(out), flush=True)
    return 0


def reference_ntk(model, x, mode):
    """Plain autograd: one backward pass per (sample, output), explicit J, contraction."""
    params = [p for p in model.parameters()]
    rows = []
    for i in range(x.shape[0]):
        y = model(x[i:i + 1]).squeeze(0)
        per_out = []
        for o in range(y.shape[0]):
            g = torch.autograd.grad(y[o], params, retain_graph=True)
            per_out.append(torch.cat([t.reshape(-1) for t in g]))
        rows.append(torch.stack(per_out))
    J = torch.stack(rows)  # (N, O, P)
    full = torch.einsum("naf,mbf->nmab", J, J)
    if mode == "full":
        return full
    if mode == "trace":
        return torch.einsum("nmkk->nm", full)
    if mode == "diagonal":
        return torch.einsum("nmkk->nmk", full)
    return full.sum((2, 3)) / full.shape[2]


def rel(a, b):
    return ((a - b).abs().max() / b.abs().max()).item()


def run_check(a):
    torch.set_num_threads(a.threads)
    dtype = getattr(torch, a.dtype)
    model, x = load_case(a, dtype)
    modes = MODES if a.mode == "all" else (a.mode,)
    itemsize = torch.empty((), dtype=dtype).element_size()
    worst = 0.0
    for mode in modes:
        ref = reference_ntk(model, x, mode).detach()
        ntk = NTK(model, mode)
        got = {}
        with torch.no_grad():
            for method in METHODS + EXTRA_METHODS:
                avail = a.mem_mib * MIB - current_rss_bytes()
                plan = plan_blocks(a, method, mode, itemsize, avail)
                if plan is None:
                    print(json.dumps({**base_record(a, method, mode), "check": True,
                                      "error": "does not fit --mem-mib"}), flush=True)
                    continue
                got[method] = (compute_ntk(ntk, method, x, plan[0], plan[1], not a.no_symmetry),
                               plan)
        rec = {**base_record(a, "jacobian-vs-ntvp", mode), "check": True,
               "result_shape": list(ref.shape), "api": FT_API,
               "torch_version": torch.__version__}
        for method, (val, plan) in got.items():
            assert tuple(val.shape) == tuple(ref.shape), (method, val.shape, ref.shape)
            rec["max_rel_diff_%s_vs_reference" % method] = rel(val, ref)
            rec["blocks_%s" % method] = list(plan[:2])
            worst = max(worst, rec["max_rel_diff_%s_vs_reference" % method])
        if "jacobian" in got and "ntvp" in got:
            rec["max_rel_diff_jacobian_vs_ntvp"] = rel(got["jacobian"][0], got["ntvp"][0])
            worst = max(worst, rec["max_rel_diff_jacobian_vs_ntvp"])
        if "jacobian" in got and "ntvp-batched" in got:
            rec["max_rel_diff_jacobian_vs_ntvp-batched"] = rel(got["jacobian"][0],
                                                               got["ntvp-batched"][0])
        print(json.dumps(rec), flush=True)
    tol = 1e-4 if dtype == torch.float32 else 1e-10
    print(json.dumps({"check": True, "dtype": a.dtype, "worst_max_rel_diff": worst,
                      "tolerance": tol, "ok": worst <= tol}), flush=True)
    return 0 if worst <= tol else 1


def main(a):
    if a.check:
        return run_check(a)
    methods = METHODS if a.method == "all" else (a.method,)
    modes = MODES if a.mode == "all" else (a.mode,)
    if len(methods) == 1 and len(modes) == 1:
        return run_one(a, methods[0], modes[0])
    # one child process per (method, mode): clean peak RSS for each
    rc = 0
    base = [a for a in sys.argv[1:]]
    for mode in modes:
        for method in methods:
            argv = strip_opts(base, ("--method", "--mode")) + ["--method", method, "--mode", mode]
            r = subprocess.run([sys.executable, os.path.abspath(__file__)] + argv)
            rc = rc or r.returncode
    return rc


def strip_opts(argv, names):
    out, skip = [], False
    for tok in argv:
        if skip:
            skip = False
            continue
        if tok in names:
            skip = True
            continue
        if any(tok.startswith(n + "=") for n in names):
            continue
        out.append(tok)
    return out


if __name__ == "__main__":
    sys.exit(main(ARGS))
