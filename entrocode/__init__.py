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
from typing import TYPE_CHECKING, Any

from entrocode.errors import (
    CodebookError,
    DistributionError,
    EntrocodeError,
    FormatError,
    ModelError,
    SymbolError,
)

__version__ = "0.1.0"

# Every name but the errors comes from its module on first use, so that
# ``import entrocode`` (and the command line's start-up) does not import numpy.
_LAZY: dict[str, str] = {
    "Codebook": "entrocode.codebook",
    "CodeEntry": "entrocode.codebook",
    "MergeStep": "entrocode.codebook",
    "canonical_codewords": "entrocode.codebook",
    "check_lengths": "entrocode.codebook",
    "huffman_code": "entrocode.codebook",
    "huffman_lengths": "entrocode.codebook",
    "huffman_merges": "entrocode.codebook",
    "kraft_sum": "entrocode.codebook",
    "limited_lengths": "entrocode.codebook",
    "Distribution": "entrocode.distribution",
    "parse_spec": "entrocode.distribution",
    "cross_entropy": "entrocode.measures",
    "entropy": "entrocode.measures",
    "js_divergence": "entrocode.measures",
    "kl_divergence": "entrocode.measures",
    "surprisal": "entrocode.measures",
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
    "shannon_lengths": "entrocode.comparison",
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


# The submodules, also reachable as attributes (``entrocode.codec``) without
# an import of their own, as when the package imported them eagerly.
_SUBMODULES = frozenset({
    "analysis", "codebook", "codec", "comparison", "container", "distribution", "errors",
    "experiments", "measures", "plots", "render", "symbols",
})

if TYPE_CHECKING:
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
    from entrocode.comparison import (
        LengthCheck,
        MethodSummary,
        check_code_lengths,
        code_by_method,
        compare_methods,
        fano_lengths,
        shannon_code,
        shannon_fano_code,
        shannon_lengths,
    )
    from entrocode.container import (
        CompressStats,
        DecompressStats,
        analyze_stream,
        compress,
        compress_file,
        compress_stream,
        decompress,
        decompress_file,
        decompress_stream,
        stats,
    )
    from entrocode.distribution import Distribution, parse_spec
    from entrocode.experiments import (
        bundled_distribution,
        convergence,
        draw_sample,
        extension_rates,
        read_bundled,
        render_sample,
        run_demo,
        verify_by_sampling,
    )
    from entrocode.measures import cross_entropy, entropy, js_divergence, kl_divergence, surprisal
    from entrocode.plots import PlotError, plot_convergence, plot_distribution, plot_extension
    from entrocode.render import (
        CodeTree,
        Walkthrough,
        code_tree,
        draw_merges,
        draw_tree,
        draw_walkthrough,
        explain_coding,
        to_dot,
    )


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is not None:
        value = getattr(import_module(module), name)
    elif name in _SUBMODULES:
        value = import_module(f"entrocode.{name}")
    else:
        raise AttributeError(f"module 'entrocode' has no attribute {name!r}")
    globals()[name] = value  # found once; later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


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
