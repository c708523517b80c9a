"""The refimpl (NumPy) side of the benchmark, run in its own process by :mod:`refimpl.bench.worker`.

Every measurement goes through refimpl's real code paths: the training step is ``refimpl.train`` over many full-batch
steps divided by their number, the gradients and integrated gradients are the public functions, and the checker is
``refimpl.conformance.check``. Results go to the parent as JSON; arrays for the agreement checks go to ``outdir``.
"""

from __future__ import annotations

import time
import tracemalloc
from functools import partial

import numpy as np

import refimpl

from ..spec.mlp import forward_trace
from .timing import seconds_per_call, seconds_per_step
from .workloads import (
    AGREE_STEPS,
    CHECK_OP,
    EPOCH_BATCHES,
    LR,
    STEP_PROBLEMS,
    epoch_problem,
    label,
    load_demo_problem,
    save_arrays,
    step_problem,
)


def _train(mlp, X, y, steps: int):
    return refimpl.train(mlp, X, y, loss="softmax_cross_entropy", lr=LR, epochs=steps)


def gemm_floor(mlp, X):
    """A function doing only the step's matrix products into preallocated outputs: per layer ``h_l @ W_l``
    (forward), ``h_l.T @ dz_{l+1}`` (weight gradient) and, above the first layer, ``dz_{l+1} @ W_l.T``."""
    hs = forward_trace(mlp.weights, mlp.biases, X)  # operands of the right shapes; values do not change the speed
    outputs = [(np.empty_like(hs[layer + 1]), np.empty_like(W), np.empty_like(hs[layer]))
               for layer, W in enumerate(mlp.weights)]

    def products():
        for layer, (W, (z, dW, dh)) in enumerate(zip(mlp.weights, outputs, strict=True)):
            np.matmul(hs[layer], W, out=z)
            np.matmul(hs[layer].T, hs[layer + 1], out=dW)
            if layer > 0:
                np.matmul(hs[layer + 1], W.T, out=dh)
    return products


def epoch_step(sizes, batch: int, batches: int, epochs, repeats: int) -> float:
    """One step as ``train`` runs whole epochs of minibatches: the extra time of ``epochs[1]`` epochs over
    ``epochs[0]`` epochs, divided by the extra steps (the per-epoch shuffle and everything outside the engine count;
    the set-up of a call cancels out)."""
    mlp, X, y = epoch_problem(sizes, batch, batches)
    run = partial(refimpl.train, mlp, X, y, loss="softmax_cross_entropy", lr=LR, batch_size=batch)
    few, many = (seconds_per_call(partial(run, epochs=e), number=1, repeats=repeats) for e in epochs)
    return max(many - few, 0.0) / ((epochs[1] - epochs[0]) * batches)


def measure_steps(settings: dict, outdir) -> dict:
    out = {"train_step": {}, "gemm_floor": {}, "epoch_step": {}}
    for (sizes, batch), steps, batches, epochs in zip(STEP_PROBLEMS, settings["steps"], EPOCH_BATCHES,
                                                      settings["epochs"], strict=True):
        mlp, X, y = step_problem(sizes, batch)
        key = label(sizes)
        out["train_step"][key] = seconds_per_step(partial(_train, mlp, X, y, steps), steps,
                                                  repeats=settings["repeats"])
        out["gemm_floor"][key] = seconds_per_call(gemm_floor(mlp, X), number=steps, repeats=settings["repeats"])
        out["epoch_step"][key] = epoch_step(sizes, batch, batches, epochs, settings["repeats"])
        if outdir is not None:
            trained = _train(mlp, X, y, AGREE_STEPS)
            save_arrays(outdir, f"step_{key}_refimpl", trained.weights + trained.biases)
    return out


def measure_interpretability(settings: dict, demo_path, outdir, ig_problems: dict) -> dict:
    mlp, X, targets = load_demo_problem(demo_path)
    grad = partial(refimpl.input_gradient, mlp, X, target=targets)
    out = {"input_gradient": seconds_per_call(grad, number=settings["grad_calls"], repeats=settings["repeats"])}
    if outdir is not None:
        save_arrays(outdir, "input_gradient_refimpl", [grad()])
    ig = partial(refimpl.integrated_gradients, mlp, X, target=targets, method="exact", return_convergence_delta=True)
    out["integrated_gradients"] = seconds_per_call(ig, number=1, repeats=settings["ig_repeats"])
    attributions, delta = ig()
    out["ig_max_abs_delta"] = float(np.max(np.abs(delta)))
    if outdir is not None:
        save_arrays(outdir, "integrated_gradients_refimpl", [attributions])
    return out | measure_ig_problems(settings, outdir, ig_problems)


def measure_ig_problems(settings: dict, outdir, ig_problems: dict) -> dict:
    out = {}
    for key, path in ig_problems.items():
        out |= measure_ig_problem(key, path, settings, outdir)
    return out


def measure_ig_problem(key: str, path, settings: dict, outdir) -> dict:
    """Exact IG of one of ``IG_PROBLEMS``: time, max |delta|, and the peak of memory allocated during one call
    (tracemalloc, which sees NumPy's allocations), in bytes."""
    mlp, X, targets = load_demo_problem(path)
    ig = partial(refimpl.integrated_gradients, mlp, X, target=targets, method="exact", return_convergence_delta=True)
    seconds = seconds_per_call(ig, number=1, repeats=settings["ig_repeats"])
    tracemalloc.start()
    attributions, delta = ig()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    if outdir is not None:
        save_arrays(outdir, f"{key}_refimpl", [attributions])
    return {key: {"seconds": seconds, "max_abs_delta": float(np.max(np.abs(delta))), "peak_bytes": peak}}


def measure_check(settings: dict) -> dict:
    """Examples per second of ``check(CHECK_OP, refimpl.<CHECK_OP>)``: a conforming candidate, so every example is
    generated, sent to the candidate's worker process and back, and judged (the worker is started once per check,
    in the timed run too)."""
    from ..conformance import check  # noqa: PLC0415 - the checker is loaded only for its own benchmark

    run = partial(check, CHECK_OP, getattr(refimpl, CHECK_OP), max_examples=settings["check_examples"], seed=0)
    run()  # warm-up: strategy construction, imports
    start = time.perf_counter()
    report = run()
    seconds = time.perf_counter() - start
    return {"check_examples_per_second": report.examples_run / seconds, "check_examples": report.examples_run}


def measure(config: dict) -> dict:
    """All NumPy-side measurements for one round (``config``: settings, demo problem path, the IG problems' paths,
    and the outdir for the agreement checks, None when no peer runs)."""
    settings, outdir = config["settings"], config["outdir"]
    if config.get("one_thread_subset"):  # the training steps and the IG problems, at one thread
        return measure_steps(settings, outdir) | measure_ig_problems(settings, outdir, config["ig_problems"])
    return (measure_steps(settings, outdir)
            | measure_interpretability(settings, config["demo"], outdir, config["ig_problems"])
            | measure_check(settings))
