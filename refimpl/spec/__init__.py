"""The spec: the source document's formulas and their direct support, in NumPy and nothing else.

Read in this order (each module is short and imports only NumPy and its neighbours here):

- :mod:`.checks` — argument checks shared by every function (what a valid argument is, and the errors).
- :mod:`.mlp` — the ReLU multilayer perceptron, its forward pass and hand-written backward pass.
- :mod:`.losses` — softmax cross-entropy and binary cross-entropy on logits, with their gradients.
- :mod:`.thresholding` — §3.1 ``ŵ = w·[|w| > ε]``, ``R = Σ|w|``, and the count rule of magnitude pruning.
- :mod:`.quantization` — §3.2 ``w̃ = (w − lo)/(hi − lo)``, ``q = ⌊α·w̃ + β⌋``, and the inverse, per tensor or per
  channel (:mod:`.channels`: one ``lo``/``hi`` per slice along an axis).
- :mod:`.quantized_model` — §3.2 applied to every weight matrix of a model (pruned zeros stay 0).
- :mod:`.pruning` — §3.3 neuron importance ``P``, neuron pruning by keep ratio, connection pruning.
- :mod:`.gradients` — §2.2.1 input gradient, saliency, gradient × input.
- :mod:`.integrated` — §2.2.1 integrated gradients, exact (ExactLine) and by quadrature.

Everything above this folder (the fast engines, training, files, the demo, the checker) is built on these
functions and tested against them; ``refimpl.X`` re-exports the public names.
"""
