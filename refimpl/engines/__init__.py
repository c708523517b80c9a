"""Fast engines: the same results as the spec (:mod:`refimpl.spec`), computed another way for speed.

An engine takes arrays that the spec's checks have already validated and does not check them again; the public
functions of refimpl call the checks first and then an engine. Each engine is tested against the spec's readable
form: :mod:`.sgd` (the training step) against ``refimpl.spec.mlp.backward`` and the losses, :mod:`.exact_ig`
(exact integrated gradients and the breakpoints of every path, by a sweep along it) against
``refimpl.spec.integrated``.
"""
