"""The demo's compression table: every method of §3 on one trained model, each size measured as real bytes.

Every row's accuracy is measured on the model that its byte string holds (``decode(encode(model, format))``), so
float32 rounding of weights and biases and the quantization error are all inside the reported accuracy.
"""

from __future__ import annotations

import numpy as np

from ..spec.checks import check_choice, check_int
from ..spec.pruning import SCOPES, check_fractions, prune_connections, prune_neurons
from ..spec.quantization import check_bits_beta
from ..spec.quantized_model import QuantizedModel, quantize_model
from ..training import accuracy, check_data, default_loss, train
from .finetune import quantization_aware_finetune
from .storage import decode, encode

# The settings of the table (documented in the README with the figures they give on the demo model).
THRESHOLD_EPS = (0.05, 0.1, 0.2, 0.3)
SPARSITIES = (0.5, 0.8, 0.9, 0.95)
BITS = (8, 6, 4, 2)
KEEP_RATIOS = (0.75, 0.5, 0.25, 0.1)
FINETUNE = {"lr": 0.02, "epochs": 20, "batch_size": 32, "momentum": 0.9}
# Gradual pruning (each step re-ranks the surviving weights and fine-tunes for FINETUNE's lr, epochs_per_step
# epochs). Chosen without the test images by the rule of refimpl.compression.selection (5-fold cross-validation on
# the training images of seeds 0-4; mean drop <= 0.5 and worst seed <= 1.0 point, then the fewest bytes in
# "sparse-quantized-huffman"): candidate #17 of 120, cross-validated mean drop 0.42 points, worst seed 0.74.
# Reproduce: python -m refimpl.compression.selection (about 65 s on one core).
PIPELINE = {"keep_ratio": 0.25, "sparsities": (0.5, 0.7, 0.75, 0.8), "scope": "global", "bits": 6,
            "epochs_per_step": 20}
# The options measured beside the pipeline (beyond the source document), fixed before their first run: the
# pipeline's pruned model at fewer bits, quantized once, or fine-tuned with the quantized weights in the loop
# (FINETUNE's lr, batch size and momentum; OPTION_EPOCHS epochs), or that and distilled from the dense baseline.
OPTION_BITS, OPTION_EPOCHS = 3, 5
DISTILLATION = {"temperature": 2.0, "distill_weight": 0.5}


def compression_rows(mlp, X_train, y_train, X_test, y_test, *, seed) -> list[dict]:
    """Compress ``mlp`` by every method at the table's settings and measure each result on the test set.

    Rows, in order (``setting`` names the parameters):

    - ``dense``: the model itself as "float32" and "float64" bytes.
    - ``threshold``: §3.1 ``|w| > ε`` on every matrix, ε in ``THRESHOLD_EPS``, stored "sparse".
    - ``prune_smallest`` and ``prune_smallest+finetune``: the ``SPARSITIES`` fraction of smallest weights of each
      matrix zeroed, then (second row) fine-tuned with the pruning masks (``FINETUNE``), stored "sparse".
    - ``quantize``: §3.2 per tensor at ``BITS`` bits, β = ½, stored "quantized".
    - ``prune_neurons``: §3.3 "l1" neuron pruning at ``KEEP_RATIOS``, no fine-tuning, stored "float32".
    - ``pipeline:neurons``, ``pipeline:connections``, ``pipeline``: the stages of :func:`prune_finetune_quantize`
      with ``PIPELINE``'s settings, stored "float32", "sparse" and "sparse-quantized".
    - ``option:fewer bits``, ``option:+ste``, ``option:+ste+distill`` (the last for several outputs only): the
      pipeline's pruned model at ``OPTION_BITS`` bits, quantized once, or after :func:`quantization_aware_finetune`
      (straight-through), or that with distillation from ``mlp`` (``DISTILLATION``); stored
      "sparse-quantized-huffman". Beyond the source document; they do not change the pipeline's rows.
    - ``pipeline+huffman``: the same quantized model stored "sparse-quantized-huffman" (entropy coding, beyond the
      source document; lossless, so only the size differs from the row above). The last row is the result.

    Parameters
    ----------
    mlp : MLP, the trained baseline
    X_train, y_train : the data used for fine-tuning (the loss is softmax cross-entropy for several outputs, the
        binary loss for one)
    X_test, y_test : the data every accuracy is measured on (non-empty)
    seed : int >= 0, the seed of every fine-tuning run's shuffle

    Returns
    -------
    list of dict
        Keys: ``method``, ``setting`` (str), ``format`` (see :mod:`.storage`), ``accuracy`` (in [0, 1]),
        ``delta_accuracy`` (percentage points against ``mlp``'s own test accuracy, negative = loss: ``100·(k −
        k_0)/n`` with k and k_0 the counts of test rows right, correctly rounded, so that a loss of 9 of 450 images
        is exactly -2.0),
        ``nonzero_weights`` (nonzero weight entries of the stored model; biases not counted), ``bytes``
        (``len`` of the byte string), ``ratio`` (bytes of ``mlp`` as dense float32, biases as float32, divided by
        ``bytes``), and ``model`` (the stored model as an MLP; not JSON-serialisable, drop it before printing).
        Deterministic: the same arguments give identical rows.

    Raises
    ------
    TypeError, ValueError
        As :func:`refimpl.train` and :func:`refimpl.accuracy` for malformed data, each error naming the argument
        (``X_train``, ``y_test``, ...): an empty X, a label count that differs from X's rows, or a label outside the
        model's classes (0/1 for one output); ``mlp`` without a hidden layer.
    """
    X_train, y_train = check_data(mlp, X_train, y_train, None, "X_train", "y_train")
    X_test, y_test = check_data(mlp, X_test, y_test, None, "X_test", "y_test")
    seed = check_int(seed, "seed", lo=0)
    baseline = accuracy(mlp, X_test, y_test)
    dense = len(encode(mlp, "float32"))

    def row(method, setting, model, format):
        n_bytes, net = stored(model, format)
        acc = accuracy(net, X_test, y_test)
        return {"method": method, "setting": setting, "format": format, "accuracy": acc,
                "delta_accuracy": points(acc, baseline, len(y_test)), "bytes": n_bytes, "ratio": dense / n_bytes,
                "nonzero_weights": sum(int(np.count_nonzero(W)) for W in net.weights), "model": net}

    def finetune(model, masks=None):
        return train(model, X_train, y_train, loss=default_loss(model), seed=seed, masks=masks, **FINETUNE)

    rows = [row("dense", "float32", mlp, "float32"), row("dense", "float64", mlp, "float64")]
    rows += [row("threshold", f"eps={eps}", prune_connections(mlp, eps=eps)[0], "sparse") for eps in THRESHOLD_EPS]
    for s in SPARSITIES:
        pruned, masks = prune_connections(mlp, sparsity=s)
        rows.append(row("prune_smallest", f"sparsity={s}", pruned, "sparse"))
        rows.append(row("prune_smallest+finetune", f"sparsity={s}", finetune(pruned, masks), "sparse"))
    rows += [row("quantize", f"bits={b}", quantize_model(mlp, b), "quantized") for b in BITS]
    rows += [row("prune_neurons", f"keep_ratio={k}", prune_neurons(mlp, keep_ratio=k)[0], "float32")
             for k in KEEP_RATIOS]

    p = PIPELINE
    small, sparse, quantized = prune_finetune_quantize(mlp, X_train, y_train, seed=seed, **p)
    rows.append(row("pipeline:neurons", f"keep_ratio={p['keep_ratio']} + finetune", small, "float32"))
    schedule = " -> ".join(map(str, p["sparsities"]))
    rows.append(row("pipeline:connections", f"+ sparsity {schedule} ({p['scope']}), finetune after each", sparse,
                    "sparse"))
    rows += _option_rows(row, mlp, sparse, X_train, y_train, seed)
    rows.append(row("pipeline", f"keep_ratio={p['keep_ratio']}, sparsity {schedule} ({p['scope']}), "
                    f"bits={p['bits']}", quantized, "sparse-quantized"))
    rows.append(row("pipeline+huffman", "the same codes and index, canonical-Huffman coded", quantized,
                    "sparse-quantized-huffman"))
    return rows


def _option_rows(row, mlp, sparse, X, y, seed) -> list[dict]:
    """The rows of the options: ``OPTION_BITS`` bits on the pipeline's pruned model, stored Huffman-coded."""
    b, e = OPTION_BITS, OPTION_EPOCHS
    tune = {k: FINETUNE[k] for k in ("lr", "batch_size", "momentum")}
    rows = [row("option:fewer bits", f"pipeline's pruned model, bits={b}, quantized once", quantize_model(sparse, b),
                "sparse-quantized-huffman"),
            row("option:+ste", f"bits={b}, {e} epochs with the quantized weights in the loop (straight-through)",
                quantization_aware_finetune(sparse, X, y, bits=b, epochs=e, seed=seed, **tune),
                "sparse-quantized-huffman")]
    if mlp.sizes[-1] > 1:  # distillation needs a softmax teacher
        d = DISTILLATION
        rows.append(row("option:+ste+distill", f"bits={b}, {e} epochs straight-through, distilled from the dense "
                        f"model (T={d['temperature']}, λ={d['distill_weight']})",
                        quantization_aware_finetune(sparse, X, y, bits=b, epochs=e, seed=seed, teacher=mlp, **d,
                                                    **tune), "sparse-quantized-huffman"))
    return rows


def prune_finetune_quantize(mlp, X, y, *, seed, keep_ratio, sparsities, scope, bits, epochs_per_step):
    """The combined pipeline: §3.3 neurons, then §3.1/§3.3 connections step by step, then §3.2 quantization.

    1. ``prune_neurons(mlp, keep_ratio=keep_ratio)`` ("l1" importance), then fine-tune.
    2. For each ``s`` in ``sparsities`` (increasing): ``prune_connections(model, sparsity=s, scope=scope)`` — the
       fraction s of *all* weights, already-zero ones included, so each step adds to the previous — then fine-tune
       with the masks (pruned weights stay exactly 0).
    3. ``quantize_model(model, bits)``: the nonzero weights only, so no pruned weight comes back.

    Fine-tuning is :func:`refimpl.train` with ``FINETUNE``'s lr, batch size and momentum, ``epochs_per_step``
    epochs, the shuffle seeded by ``seed``, and the loss of :func:`refimpl.training.default_loss`. Every argument is
    checked before any training (``TypeError``/``ValueError`` naming it, as in the functions called);
    ``sparsities`` is a sequence of numbers in [0, 1], ``epochs_per_step`` an int >= 0.

    Returns
    -------
    (MLP, MLP, QuantizedModel): the model after step 1, after step 2, and the quantized result. Deterministic.
    """
    X, y = check_data(mlp, X, y)
    sparsities, epochs_per_step = check_steps(sparsities, scope, bits, epochs_per_step)
    small = neuron_stage(mlp, X, y, seed=seed, keep_ratio=keep_ratio, epochs=epochs_per_step)
    sparse = small
    for s in sparsities:
        sparse = connection_stage(sparse, X, y, seed=seed, sparsity=s, scope=scope, epochs=epochs_per_step)
    return small, sparse, quantize_model(sparse, bits)


def neuron_stage(mlp, X, y, *, seed, keep_ratio, epochs):
    """Step 1 of :func:`prune_finetune_quantize`: ``prune_neurons(mlp, keep_ratio=keep_ratio)``, then ``epochs``
    epochs of fine-tuning (``FINETUNE``'s lr, batch size and momentum). Arguments as there, unchecked here."""
    small = prune_neurons(mlp, keep_ratio=keep_ratio)[0]
    return train(small, X, y, loss=default_loss(small), seed=seed, **dict(FINETUNE, epochs=epochs))


def connection_stage(model, X, y, *, seed, sparsity, scope, epochs):
    """One step of stage 2 of :func:`prune_finetune_quantize`: ``prune_connections(model, sparsity=sparsity,
    scope=scope)``, then ``epochs`` epochs of fine-tuning with the masks. Arguments as there, unchecked here.

    Because each step depends only on the model before it, the model after the steps ``s_1, ..., s_k`` is also the
    state after step k of any longer schedule that starts with them (the settings study shares that work)."""
    sparse, masks = prune_connections(model, sparsity=sparsity, scope=scope)
    return train(sparse, X, y, loss=default_loss(sparse), seed=seed, masks=masks, **dict(FINETUNE, epochs=epochs))


def check_steps(sparsities, scope, bits, epochs_per_step) -> tuple[list[float], int]:
    """Check the pipeline's settings other than ``keep_ratio`` (which :func:`prune_neurons` checks) in this order,
    each error naming its argument; return ``sparsities`` as a list of floats and ``epochs_per_step`` as an int."""
    sparsities = check_fractions(sparsities, "sparsities")
    check_choice(scope, "scope", SCOPES)
    check_bits_beta(bits, 0.5)
    return sparsities, check_int(epochs_per_step, "epochs_per_step", lo=0)


def points(accuracy_value: float, baseline: float, n: int) -> float:
    """``100·(k − k_0)/n`` for accuracies ``k/n`` and ``k_0/n`` given as floats (the counts are recovered exactly
    by rounding ``accuracy·n``, exact for n < 2^52): one correctly rounded division."""
    return 100 * (round(accuracy_value * n) - round(baseline * n)) / n


def stored(model, format: str):
    """``(n_bytes, net)``: ``len(encode(model, format))`` and the MLP read back from those bytes (dequantized for
    the quantized formats), so that an accuracy measured on ``net`` includes every rounding of the stored form."""
    data = encode(model, format)
    decoded = decode(data)
    return len(data), decoded.dequantize() if isinstance(decoded, QuantizedModel) else decoded
