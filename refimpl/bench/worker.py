"""``python -m refimpl.bench.worker SIDE CONFIG_JSON``: run one side's measurements and print them as JSON.

SIDE is ``numpy`` or ``torch``. Each round of the benchmark starts a fresh process per side, so torch's threads never
share a process with the NumPy code.
"""

from __future__ import annotations

import json
import sys


def main(argv: list[str]) -> int:
    side, config = argv[0], json.loads(argv[1])
    if side == "numpy":
        from .numpy_side import measure  # noqa: PLC0415 - each worker process imports only the side it measures
    elif side == "torch":
        from .torch_side import measure  # noqa: PLC0415 - each worker process imports only the side it measures
    else:
        print(f"unknown side {side!r}: use numpy or torch", file=sys.stderr)
        return 2
    json.dump(measure(config), sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
