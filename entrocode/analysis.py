"""Analysis: how a code's average length compares with the information measures.

This module sets code lengths (from :mod:`entrocode.codebook`) beside the
measures (from :mod:`entrocode.measures`): the redundancy of a distribution's
own Huffman code, and the cost of coding data from P with the code built for a
mismatched model Q.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from entrocode.codebook import Codebook, huffman_code
from entrocode.distribution import Distribution
from entrocode.measures import cross_entropy, entropy, js_divergence, kl_divergence

__all__ = ["Comparison", "compare"]


@dataclass(frozen=True)
class Comparison:
    """The analysis of P's Huffman code, and of Q's code used on data from P.

    Measures (entropies, cross-entropy, divergences) are in ``unit``; code
    lengths, redundancy and overhead are always in bits per symbol.

    Attributes
    ----------
    unit : str
        "bits", "nats", "hartleys" or "log<base> units".
    entropy_p : float
        H(P).
    expected_length_p : float
        L_P(C_P) = sum_x p(x) * l_P(x): P's own Huffman code, bits per symbol.
    redundancy_p : float
        L_P(C_P) - H(P) in bits; 0 <= it < 1.
    entropy_q, cross_entropy, kl_divergence, kl_divergence_reverse, js_divergence : float or None
        H(Q), H(P,Q), D(P||Q), D(Q||P) and JS(P,Q), when Q is given.
    expected_length_mismatch : float or None
        L_P(C_Q) = sum_x p(x) * l_Q(x): Q's Huffman code on data from P (inf
        when Q gives probability 0 to a symbol P can emit).
    mismatch_overhead : float or None
        L_P(C_Q) - L_P(C_P) >= 0, bits per symbol: what the wrong model costs
        a real Huffman code, to set beside D(P||Q).
    """

    unit: str
    entropy_p: float
    expected_length_p: float
    redundancy_p: float
    entropy_q: float | None = None
    cross_entropy: float | None = None
    kl_divergence: float | None = None
    kl_divergence_reverse: float | None = None
    js_divergence: float | None = None
    expected_length_mismatch: float | None = None
    mismatch_overhead: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """The fields as a dict, without the Q fields when Q was not given."""
        return {k: v for k, v in asdict(self).items() if v is not None}


def _unit(base: float) -> str:
    if base == 2:
        return "bits"
    if base == math.e:
        return "nats"
    if base == 10:
        return "hartleys"
    return f"log{base:g} units"


def compare(p: Distribution, q: Distribution | None = None, base: float = 2) -> Comparison:
    """Compare H(P) with P's Huffman code and, given Q, with Q's code on P.

    Parameters
    ----------
    p : Distribution
        The true distribution.
    q : Distribution, optional
        A model of it; aligned with P by symbol over the union of supports.
    base : float, default 2
        The unit of the measures (2: bits, e: nats, 10: hartleys).

    Returns
    -------
    Comparison
        See its attributes. The theory it shows: H(P) <= L_P(C_P) < H(P) + 1,
        and L_P(C_Q) - L_P(C_P) >= 0, the real-code counterpart of
        D(P||Q) = H(P,Q) - H(P).

    Examples
    --------
    >>> p = Distribution.from_spec("a=0.5,b=0.25,c=0.25")
    >>> compare(p).redundancy_p
    0.0
    """
    code_p = huffman_code(p)
    length_p = code_p.expected_length
    h_bits = entropy(p)
    result = Comparison(
        unit=_unit(base),
        entropy_p=entropy(p, base),
        expected_length_p=length_p,
        redundancy_p=max(length_p - h_bits, 0.0),
    )
    if q is None:
        return result
    code_q: Codebook = huffman_code(q)
    mismatch = code_q.expected_length_under(p)
    return Comparison(
        unit=result.unit,
        entropy_p=result.entropy_p,
        expected_length_p=length_p,
        redundancy_p=result.redundancy_p,
        entropy_q=entropy(q, base),
        cross_entropy=cross_entropy(p, q, base),
        kl_divergence=kl_divergence(p, q, base),
        kl_divergence_reverse=kl_divergence(q, p, base),
        js_divergence=js_divergence(p, q, base),
        expected_length_mismatch=mismatch,
        mismatch_overhead=mismatch - length_p,
    )
