"""What the benchmark ran on: cores, CPU, Python, NumPy and its BLAS, and the versions of the optional peers.

Nothing here imports torch: its version comes from the installed package's metadata (the torch worker adds its
thread count and BLAS).
"""

from __future__ import annotations

import importlib.metadata
import os
import platform

import numpy as np


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def numpy_blas() -> str:
    """NumPy's BLAS as ``numpy.show_config`` reports it, with threadpoolctl's thread count when installed."""
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        text = f"{blas.get('name', 'unknown')} {blas.get('version', '')}".strip()
    except (TypeError, KeyError):  # NumPy < 1.25 has no mode="dicts"
        text = "unknown"
    try:
        from threadpoolctl import threadpool_info  # noqa: PLC0415 - optional dependency, imported only when used
    except ImportError:
        return f"{text} (threadpoolctl not installed: thread count unknown)"
    pools = [f"{p['internal_api']} {p['version']} {p['num_threads']} threads" for p in threadpool_info()
             if p.get("user_api") == "blas"]
    return f"{text} ({'; '.join(pools) or 'no BLAS pool found'})"


def package_version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def describe() -> dict:
    """The machine and software versions, as JSON-ready strings and numbers."""
    return {"cores": os.cpu_count(), "usable_cores": len(os.sched_getaffinity(0)), "cpu": _cpu_model(),
            "python": platform.python_version(), "numpy": np.__version__, "numpy_blas": numpy_blas(),
            "torch": package_version("torch"), "captum": package_version("captum"),
            "load_average": [round(x, 2) for x in os.getloadavg()]}
