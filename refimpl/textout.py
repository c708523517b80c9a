"""Text output that cannot fail on the terminal it is printed to.

``refimpl``'s tables and messages use a few non-ASCII symbols (Δ, ρ, −, ·, ≤, ...). On a stdout that cannot encode
them (``PYTHONIOENCODING=ascii``, a strict latin-1 pipe) each such character is written with an ASCII spelling
instead (``Δ`` -> ``delta``), other characters by their decomposition without accents (``é`` -> ``e``) or an escape
(``\\u2603``), and a file name's undecodable byte (a lone surrogate from ``os.fsdecode``) as ``\\xff``. A stream that
can encode everything is not affected: the spellings are an error handler, used only where encoding fails.
"""

from __future__ import annotations

import codecs
import unicodedata

ERRORS = "refimpl-ascii"
SPELLINGS = {
    "Δ": "delta", "δ": "delta", "ρ": "rho", "α": "alpha", "β": "beta", "ε": "eps", "θ": "theta", "μ": "mu",
    "σ": "sigma", "τ": "tau", "γ": "gamma", "Σ": "sum", "∂": "d", "∇": "grad", "∫": "integral", "∞": "inf",
    "−": "-", "–": "-", "—": "--", "·": "*", "×": "x", "÷": "/", "⊙": "*", "±": "+/-", "≤": "<=", "≥": ">=",
    "≠": "!=", "≈": "~", "→": "->", "←": "<-", "∈": " in ", "…": "...", "⋯": "...", "½": "1/2", "²": "^2",
    "⁺": "+", "‖": "||", "⌊": "floor(", "⌋": ")", "§": "S", "ŵ": "w_hat", "ℓ": "l",
}


def _spell(ch: str) -> str:
    if ch in SPELLINGS:
        return SPELLINGS[ch]
    if 0xDC80 <= ord(ch) <= 0xDCFF:  # an undecodable byte of a file name (surrogateescape)
        return f"\\x{ord(ch) - 0xDC00:02x}"
    plain = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode()
    return plain or f"\\u{ord(ch):04x}"


def _fallback(error: UnicodeError):
    if not isinstance(error, UnicodeEncodeError):
        raise error
    return "".join(_spell(c) for c in error.object[error.start:error.end]), error.end


codecs.register_error(ERRORS, _fallback)


def tolerate(stream) -> None:
    """Make ``stream`` (a text stream such as ``sys.stdout``) write ASCII spellings of what it cannot encode."""
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is not None:
        try:
            reconfigure(errors=ERRORS)
        except (ValueError, OSError):  # a closed or detached stream: nothing to print to anyway
            pass
