"""A stand-in for torchvision, only so that zennit (which imports it at import time for its ResNet canonizers) can be
imported beside the CPU torch wheel: PyPI's torchvision replaces that torch or fails to load next to it (GUIDE §5).
It defines nothing but the two class names zennit imports; nothing of torchvision works. ``make peers`` installs it
only when no real torchvision is importable."""
