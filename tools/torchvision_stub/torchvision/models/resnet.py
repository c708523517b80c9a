"""The two names zennit.torchvision imports; never instantiated by refimpl's MLP checks."""


class BasicBlock:  # noqa: D101 - a stand-in, see torchvision/__init__.py
    pass


class Bottleneck:  # noqa: D101 - a stand-in, see torchvision/__init__.py
    pass
