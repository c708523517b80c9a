"""The PyTorch / Captum side of the benchmark, run in its own process by :mod:`refimpl.bench.worker`.

torch's OpenMP threads keep spinning for a while after each call and would take the cores from NumPy code running
next in the same process, so this module is never imported by the NumPy side or the parent. The models are the
refimpl models copied into ``nn.Linear`` layers (weight = ``W.T``: PyTorch stores (out, in)), float64 throughout.
"""

from __future__ import annotations

import re
from functools import partial

import numpy as np

from .timing import seconds_per_call, seconds_per_step
from .workloads import AGREE_STEPS, LR, STEP_PROBLEMS, label, load_demo_problem, save_arrays, step_problem


def torch_model(torch, mlp):
    """``nn.Sequential`` of float64 ``Linear`` layers (ReLU between them) holding ``mlp``'s parameters."""
    layers = []
    for W, b in zip(mlp.weights, mlp.biases, strict=True):
        linear = torch.nn.Linear(W.shape[0], W.shape[1], dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(W.T.copy()))
            linear.bias.copy_(torch.from_numpy(b.copy()))
        layers += [linear, torch.nn.ReLU()]
    return torch.nn.Sequential(*layers[:-1])


def _sgd_steps(torch, model, optimizer, X, y, steps: int) -> None:
    for _ in range(steps):
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(model(X), y).backward()
        optimizer.step()


def _trained_parameters(torch, mlp, X, y, steps: int) -> list[np.ndarray]:
    model = torch_model(torch, mlp)
    _sgd_steps(torch, model, torch.optim.SGD(model.parameters(), lr=LR), X, y, steps)
    linears = [m for m in model if isinstance(m, torch.nn.Linear)]
    return ([m.weight.detach().numpy().T for m in linears] + [m.bias.detach().numpy() for m in linears])



def measure_steps(torch, settings: dict, outdir) -> dict:
    out = {"train_step": {}}
    for (sizes, batch), steps in zip(STEP_PROBLEMS, settings["steps"], strict=True):
        mlp, X, y = step_problem(sizes, batch)
        X, y = torch.from_numpy(X), torch.from_numpy(y)
        model = torch_model(torch, mlp)
        run = partial(_sgd_steps, torch, model, torch.optim.SGD(model.parameters(), lr=LR), X, y, steps)
        out["train_step"][label(sizes)] = seconds_per_step(run, steps, repeats=settings["repeats"])
        if outdir is not None:
            save_arrays(outdir, f"step_{label(sizes)}_torch", _trained_parameters(torch, mlp, X, y, AGREE_STEPS))
    return out


def _input_gradient(torch, model, X, targets):
    (grad,) = torch.autograd.grad(model(X).gather(1, targets[:, None]).sum(), X)
    return grad


def measure_interpretability(torch, settings: dict, demo_path, outdir, ig_problems: dict) -> dict:
    mlp, X, targets = load_demo_problem(demo_path)
    model = torch_model(torch, mlp)
    X, targets = torch.from_numpy(X).requires_grad_(True), torch.from_numpy(targets)
    grad = partial(_input_gradient, torch, model, X, targets)
    out = {"input_gradient": seconds_per_call(grad, number=settings["grad_calls"], repeats=settings["repeats"])}
    save_arrays(outdir, "input_gradient_torch", [grad().numpy()])
    try:
        from captum.attr import IntegratedGradients  # noqa: PLC0415 - optional dependency, imported only when used
    except ImportError:
        return out | {"integrated_gradients": "not installed", "ig_max_abs_delta": "not installed"}
    seconds, max_delta, attributions = _captum_ig(torch, IntegratedGradients, mlp, X.detach(), targets, settings)
    out |= {"integrated_gradients": seconds, "ig_max_abs_delta": max_delta}
    save_arrays(outdir, "integrated_gradients_torch", [attributions])
    return out | measure_ig_problems(torch, settings, outdir, ig_problems)


def measure_ig_problems(torch, settings: dict, outdir, ig_problems: dict) -> dict:
    """Captum IG of each of ``IG_PROBLEMS``: seconds per call and max |delta| (attributions saved to ``outdir``)."""
    try:
        from captum.attr import IntegratedGradients  # noqa: PLC0415 - optional dependency, imported only when used
    except ImportError:
        return {key: {"seconds": "not installed", "max_abs_delta": "not installed"} for key in ig_problems}
    out = {}
    for key, path in ig_problems.items():
        mlp, X, targets = load_demo_problem(path)
        seconds, max_delta, attributions = _captum_ig(torch, IntegratedGradients, mlp, torch.from_numpy(X),
                                                      torch.from_numpy(targets), settings)
        out[key] = {"seconds": seconds, "max_abs_delta": max_delta}
        if outdir is not None:
            save_arrays(outdir, f"{key}_torch", [attributions])
    return out


def _captum_ig(torch, IntegratedGradients, mlp, X, targets, settings: dict):
    """Captum IG gausslegendre n_steps=50 of ``mlp`` (float64): ``(seconds per call, max |delta|, attributions)``."""
    ig = partial(IntegratedGradients(torch_model(torch, mlp)).attribute, X, target=targets, n_steps=50,
                 method="gausslegendre", return_convergence_delta=True)
    seconds = seconds_per_call(ig, number=1, repeats=settings["ig_repeats"])
    attributions, delta = ig()
    return seconds, float(delta.abs().max()), attributions.detach().numpy()


def describe(torch) -> dict:
    """torch's version, thread count and BLAS (from ``torch.__config__.show()``), and Captum's version."""
    found = re.search(r"BLAS_INFO=(\w+)", torch.__config__.show())
    try:
        import captum  # noqa: PLC0415 - optional dependency, imported only when used
        captum_version = captum.__version__
    except ImportError:
        captum_version = "not installed"
    return {"torch": torch.__version__, "torch_threads": torch.get_num_threads(),
            "torch_blas": found.group(1) if found else "unknown", "captum": captum_version}


def measure(config: dict) -> dict:
    """All PyTorch-side measurements for one round; ``{"error": ...}`` when torch cannot be imported."""
    try:
        import torch  # noqa: PLC0415 - optional dependency, imported only when used
    except ImportError as exc:
        return {"error": f"not installed ({exc})"}
    settings, outdir = config["settings"], config["outdir"]
    if config.get("one_thread_subset"):  # the training steps and the IG problems, at one thread
        return measure_steps(torch, settings, outdir) | measure_ig_problems(torch, settings, outdir,
                                                                            config["ig_problems"])
    return ({"machine": describe(torch)} | measure_steps(torch, settings, outdir)
            | measure_interpretability(torch, settings, config["demo"], outdir, config["ig_problems"]))
