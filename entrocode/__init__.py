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
_LAZY: dict[str, str] = {
    "CompressStats": "entrocode.container",
    "DecompressStats": "entrocode.container",
    "analyze_stream": "entrocode.container",
    "compress": "entrocode.container",
    "compress_file": "entrocode.container",
    "compress_stream": "entrocode.container",
    "decompress": "entrocode.container",
    "decompress_file": "entrocode.container",
    "decompress_stream": "entrocode.container",
    "stats": "entrocode.container",
    "bundled_distribution": "entrocode.experiments",
    "convergence": "entrocode.experiments",
    "draw_sample": "entrocode.experiments",
    "extension_rates": "entrocode.experiments",
    "read_bundled": "entrocode.experiments",
    "render_sample": "entrocode.experiments",
    "run_demo": "entrocode.experiments",
    "shannon_lengths": "entrocode.experiments",
    "verify_by_sampling": "entrocode.experiments",
    "CodeTree": "entrocode.render",
    "Walkthrough": "entrocode.render",
    "code_tree": "entrocode.render",
    "draw_tree": "entrocode.render",
    "draw_merges": "entrocode.render",
    "to_dot": "entrocode.render",
    "explain_coding": "entrocode.render",
    "draw_walkthrough": "entrocode.render",
    "LengthCheck": "entrocode.comparison",
    "MethodSummary": "entrocode.comparison",
    "check_code_lengths": "entrocode.comparison",
    "code_by_method": "entrocode.comparison",
    "compare_methods": "entrocode.comparison",
    "fano_lengths": "entrocode.comparison",
    "shannon_code": "entrocode.comparison",
    "shannon_fano_code": "entrocode.comparison",
    "PlotError": "entrocode.plots",
    "plot_distribution": "entrocode.plots",
    "plot_convergence": "entrocode.plots",
    "plot_extension": "entrocode.plots",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'entrocode' has no attribute {name!r}")
    return getattr(import_module(module), name)


__all__ = [
    "CodeEntry",
    "CodeTree",
    "Codebook",
    "CodebookError",
    "CompressStats",
    "DecompressStats",
    "Distribution",
    "DistributionError",
    "EntrocodeError",
    "FormatError",
    "LengthCheck",
    "MergeStep",
    "MethodSummary",
    "ModelError",
    "PlotError",
    "SymbolError",
    "Walkthrough",
    "__version__",
    "analyze_stream",
    "bundled_distribution",
    "canonical_codewords",
    "check_code_lengths",
    "check_lengths",
    "code_by_method",
    "code_tree",
    "compare_methods",
    "compress",
    "compress_file",
    "compress_stream",
    "convergence",
    "cross_entropy",
    "decompress",
    "decompress_file",
    "decompress_stream",
    "draw_merges",
    "draw_sample",
    "draw_tree",
    "draw_walkthrough",
    "entropy",
    "explain_coding",
    "extension_rates",
    "fano_lengths",
    "huffman_code",
    "huffman_lengths",
    "huffman_merges",
    "js_divergence",
    "kl_divergence",
    "kraft_sum",
    "limited_lengths",
    "parse_spec",
    "plot_convergence",
    "plot_distribution",
    "plot_extension",
    "read_bundled",
    "render_sample",
    "run_demo",
    "shannon_code",
    "shannon_fano_code",
    "shannon_lengths",
    "stats",
    "surprisal",
    "to_dot",
    "verify_by_sampling",
]
