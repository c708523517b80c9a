"""global_importance, format_importance_grid, layer_summary and the optional PNG plots."""

import json
import sys
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import refimpl
from refimpl.interpret import format_importance_grid
from refimpl.plots import PLOT_HINT, PlotsUnavailable, write_attribution_plots

from .oracles import dyadic_mlps, frozen
from .oracles_interpret import hidden_preactivations, rows


@pytest.mark.parametrize("method", ["integrated_gradients", "saliency", "gradient_x_input"])
@given(st.data())
def test_global_importance_is_the_mean_absolute_attribution(method, data):
    mlp = data.draw(dyadic_mlps(max_hidden=2))
    X = data.draw(rows(mlp.sizes[0], 1, 4))
    predicted = [int(np.argmax(mlp.forward(x[None])[0])) for x in X]  # row by row: lowest index on ties
    per_row = {"integrated_gradients": lambda x, t: refimpl.integrated_gradients(mlp, x, None, t),
               "saliency": lambda x, t: refimpl.saliency(mlp, x, t),
               "gradient_x_input": lambda x, t: refimpl.gradient_x_input(mlp, x, t)}[method]
    expected = np.mean([np.abs(per_row(X[r:r + 1], predicted[r])[0]) for r in range(len(X))], axis=0)
    np.testing.assert_allclose(refimpl.global_importance(mlp, frozen(X), method=method), expected,
                               rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(refimpl.global_importance(mlp, X, 0, method),
                               np.abs(per_row(X, 0)).mean(axis=0), rtol=1e-12, atol=1e-300)


def test_global_importance_errors():
    mlp = refimpl.MLP.init([4, 3, 2], 0)
    with pytest.raises(ValueError, match="row"):
        refimpl.global_importance(mlp, np.zeros((0, 4)))
    with pytest.raises(ValueError, match="method"):
        refimpl.global_importance(mlp, np.ones((2, 4)), method="shap")
    with pytest.raises(ValueError, match="target"):
        refimpl.global_importance(mlp, np.ones((2, 4)), target=2)


def test_importance_grid_layout():
    grid = format_importance_grid(np.arange(64) / 100)
    lines = grid.split("\n")
    assert len(lines) == 8 and all(len(line.split()) == 8 for line in lines)
    assert lines[0].split()[1] == "0.010" and lines[7].split()[7] == "0.630"
    assert format_importance_grid([1.0, 22.5], width=2, decimals=1) == " 1.0 22.5"
    with pytest.raises(ValueError, match="width"):
        format_importance_grid(np.ones(10))
    with pytest.raises(ValueError, match="decimals"):
        format_importance_grid(np.ones(8), decimals=-1)
    with pytest.raises(TypeError, match="importance"):
        format_importance_grid("abc")


@given(st.data())
def test_layer_summary_against_direct_counts(data):
    mlp = data.draw(dyadic_mlps(max_hidden=3))
    X = data.draw(rows(mlp.sizes[0], 1, 5))
    summary = refimpl.layer_summary(mlp, frozen(X))
    json.dumps(summary)  # JSON-able
    z = hidden_preactivations(mlp, X)
    assert [s["layer"] for s in summary] == list(range(len(mlp.weights)))
    for layer, (W, b, s) in enumerate(zip(mlp.weights, mlp.biases, summary, strict=True)):
        assert s["shape"] == list(W.shape) and s["parameters"] == W.size + b.size
        assert s["nonzeros"] == sum(v != 0 for v in list(W.ravel()) + list(b))
        assert s["l1"] == float(sum(Fraction(abs(v)) for v in W.ravel()))  # correctly rounded: exact equality
        assert s["l2"] == pytest.approx(sum(v * v for v in W.ravel()) ** 0.5, abs=1e-12)
        if layer < len(z):
            assert s["activation"] == "relu"
            assert s["dead"] == sum(all(z[layer][r, j] <= 0 for r in range(len(X))) for j in range(W.shape[1]))
        else:
            assert s["activation"] == "linear" and s["dead"] is None
    assert all("dead" not in s for s in refimpl.layer_summary(mlp))


def test_layer_summary_errors():
    mlp = refimpl.MLP.init([4, 3, 2], 0)
    with pytest.raises(TypeError, match="mlp"):
        refimpl.layer_summary("model")
    with pytest.raises(ValueError, match="row"):
        refimpl.layer_summary(mlp, np.zeros((0, 4)))
    with pytest.raises(ValueError, match="X"):
        refimpl.layer_summary(mlp, np.zeros((2, 5)))


# --- plots ----------------------------------------------------------------------------------------------------------

def _models():
    mlp = refimpl.MLP.init([64, 8, 3], 0)
    return {"original": mlp, "other": refimpl.MLP.init([64, 8, 3], 1)}, np.random.default_rng(0).uniform(0, 16, (3, 64))


def test_plots_without_matplotlib_raise_an_import_error_with_the_hint(tmp_path, monkeypatch):
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # makes `import matplotlib...` raise ImportError
    models, X = _models()
    with pytest.raises(ImportError, match=r"refimpl\[plot\]") as info:
        write_attribution_plots(tmp_path / "plots", models, X)
    assert isinstance(info.value, PlotsUnavailable) and PLOT_HINT in str(info.value)
    assert not (tmp_path / "plots").exists()  # nothing written


def test_plots_write_png_files(tmp_path):
    pytest.importorskip("matplotlib")
    models, X = _models()
    paths = write_attribution_plots(tmp_path / "plots", models, frozen(X), n_examples=2)
    assert len(paths) == 2
    for path in paths:
        with open(path, "rb") as f:
            assert f.read(8) == b"\x89PNG\r\n\x1a\n"


def test_plots_bad_arguments(tmp_path):
    pytest.importorskip("matplotlib")
    models, X = _models()
    with pytest.raises(ValueError, match="models"):
        write_attribution_plots(tmp_path, {}, X)
    with pytest.raises(ValueError, match="X"):
        write_attribution_plots(tmp_path, models, X[:, :63])
    with pytest.raises(ValueError, match="other"):
        write_attribution_plots(tmp_path, {**models, "other": refimpl.MLP.init([63, 2], 0)}, X)
    with pytest.raises(ValueError, match="image_shape"):
        write_attribution_plots(tmp_path, models, X, image_shape=(64,))
    with pytest.raises(ValueError, match="n_examples"):
        write_attribution_plots(tmp_path, models, X, n_examples=0)
    with pytest.raises(TypeError, match="models"):
        write_attribution_plots(tmp_path, list(models.values()), X)
    huge = refimpl.MLP([np.full((64, 3), 1e200), np.full((3, 10), 1e200)], [np.zeros(3), np.zeros(10)])
    with pytest.raises(ValueError, match="huge"):  # 1e200 · 1e200 overflows: refused, never a NaN picture
        write_attribution_plots(tmp_path / "never", {"huge": huge}, X, target=0)
    assert not (tmp_path / "never").exists()
