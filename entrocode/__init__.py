"""entrocode: Huffman coding, information measures and a fast ``.ec`` compressor.

The public API: the measures of information (:func:`entropy`,
:func:`cross_entropy`, :func:`kl_divergence`, :func:`js_divergence`,
:func:`surprisal`), :class:`Distribution`, the codebook builder
(:func:`huffman_code`, :class:`Codebook`), the compressor (:func:`compress`,
:func:`decompress` and their file forms), the analysis functions, and the
error types.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from entrocode.codebook import (
    Codebook,
    CodeEntry,
    MergeStep,
    canonical_codewords,
    check_lengths,
    huffman_code,
    huffman_lengths,
    huffman_merges,
    kraft_sum,
    limited_lengths,
)
from entrocode.distribution import Distribution, parse_spec
from entrocode.errors import (
    CodebookError,
    DistributionError,
    EntrocodeError,
    FormatError,
    ModelError,
    SymbolError,
)
from entrocode.measures import cross_entropy, entropy, js_divergence, kl_divergence, surprisal

__version__ = "0.1.0"

# Names re-exported lazily from modules that are heavier to import.
_LAZY: dict[str, str] = {}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'entrocode' has no attribute {name!r}")
    return getattr(import_module(module), name)


__all__ = [
    "CodeEntry",
    "Codebook",
    "CodebookError",
    "Distribution",
    "DistributionError",
    "EntrocodeError",
    "FormatError",
    "MergeStep",
    "ModelError",
    "SymbolError",
    "__version__",
    "canonical_codewords",
    "check_lengths",
    "cross_entropy",
    "entropy",
    "huffman_code",
    "huffman_lengths",
    "huffman_merges",
    "js_divergence",
    "kl_divergence",
    "kraft_sum",
    "limited_lengths",
    "parse_spec",
    "surprisal",
]
