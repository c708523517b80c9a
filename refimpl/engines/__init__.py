"""Fast engines: the same results as the spec (:mod:`refimpl.spec`), computed another way for speed.

An engine takes arrays that the spec's checks have already validated and does not check them again; the public
functions of refimpl call the checks first and then an engine. Each engine is tested against the spec's readable
form: :mod:`.sgd` (the training step) against ``refimpl.spec.mlp.backward`` and the losses, :mod:`.exactline`
(exact integrated gradients of all rows at once) against ``refimpl.spec.integrated``.
"""
