"""The ``train`` and ``info`` subcommands."""

from __future__ import annotations

import json
import sys

from . import datasets
from .interpret import layer_summary
from .io import load, save
from .spec.mlp import MLP
from .training import accuracy, train


def add_arguments(parser, name: str) -> None:
    if name == "train":
        parser.add_argument("out", help="where to save the model (.npz)")
        parser.add_argument("--task", choices=datasets.TASKS, default="digits",
                            help=f"digits: 10 classes, softmax; odd-even: {datasets.BINARY_TASK}, sigmoid")
        parser.add_argument("--hidden", type=int, nargs="*", default=[256], help="hidden widths (default: 256)")
        parser.add_argument("--lr", type=float, default=0.05)
        parser.add_argument("--epochs", type=int, default=40)
        parser.add_argument("--batch-size", type=int, default=32)
        parser.add_argument("--momentum", type=float, default=0.9)
        parser.add_argument("--seed", type=int, default=0)
    else:
        parser.add_argument("model", help="a model file written by `refimpl train` or refimpl.save; layers are "
                            "summarised, with dead neurons counted on the digits when the model takes 64 inputs")
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON on stdout")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")



def run(args, name: str) -> int:
    return _train(args) if name == "train" else _info(args)


def _train(args) -> int:
    X_train, X_test, y_train, y_test, loss, n_out = datasets.task_data(args.task, args.seed)
    mlp = MLP.init([X_train.shape[1], *args.hidden, n_out], args.seed)
    mlp = train(mlp, X_train, y_train, loss=loss, lr=args.lr, epochs=args.epochs, batch_size=args.batch_size,
                momentum=args.momentum, seed=args.seed, progress=not args.quiet)
    save(mlp, args.out)
    result = {"task": args.task, "sizes": list(mlp.sizes), "loss": loss, "path": args.out,
              "train_accuracy": accuracy(mlp, X_train, y_train), "test_accuracy": accuracy(mlp, X_test, y_test)}
    _emit(result, args.json)
    return 0


def _info(args) -> int:
    mlp = load(args.model)
    result = {"path": args.model, "sizes": list(mlp.sizes), "parameters": mlp.n_parameters}
    X, _ = datasets.load_digits()
    # Dead neurons (never active) are counted on the digits when the model takes 64 inputs, else not at all.
    result["layers"] = layer_summary(mlp, X) if X.shape[1] == mlp.sizes[0] else layer_summary(mlp)
    _emit(result, args.json)
    return 0


def _emit(result: dict, as_json: bool) -> None:
    if as_json:
        print(json.dumps(result, indent=2, sort_keys=True, default=_jsonable))
        return
    for key, value in result.items():
        if key == "layers":
            for layer in value:
                print("  " + ", ".join(f"{k}={_jsonable(v)}" for k, v in layer.items()))
        else:
            print(f"{key}: {value}", file=sys.stdout)


def _jsonable(value):
    if hasattr(value, "tolist"):
        return value.tolist()
    return value
