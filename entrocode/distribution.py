"""Distributions: validated, immutable maps from symbols to probabilities.

A :class:`Distribution` is built from probabilities, from counts, from data
(bytes, characters, words or lines), or from a DIST spec, the one textual form
every command accepts:

- inline pairs ``a=0.5,b=0.25,c=0.25`` (values are any float literal);
- bare values ``0.9,0.1``, whose symbols are ``"0"``, ``"1"``, ...;
- a path to a ``.json`` file holding an object ``{"symbol": probability}``.

Values must sum to 1 within 1e-9 unless ``normalize=True``, in which case they
are weights or counts and are divided by their sum.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from entrocode.errors import DistributionError
from entrocode.measures import check_probabilities, check_weights

__all__ = ["Distribution", "align", "parse_spec"]

Symbol = Hashable


@dataclass(frozen=True, eq=False)
class Distribution:
    """An immutable probability distribution over ordered symbols.

    Use the constructors :meth:`from_probabilities`, :meth:`from_counts`,
    :meth:`from_data` and :meth:`from_spec` rather than calling the class.

    Attributes
    ----------
    symbols : tuple
        The symbols, distinct, in their given order (str for specs, bytes for
        data, int for plain sequences).
    probabilities : numpy.ndarray
        Read-only float64 array aligned with ``symbols``, summing to 1 within
        1e-9. Zero entries are allowed (a symbol that never occurs).
    counts : tuple of int or None
        The counts the distribution was estimated from, when it was built from
        counts or data.

    Examples
    --------
    >>> d = Distribution.from_spec("a=0.5,b=0.25,c=0.25")
    >>> d["b"]
    0.25
    >>> len(d)
    3
    """

    symbols: tuple[Symbol, ...]
    probabilities: np.ndarray
    counts: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        # Keep private, read-only copies: a read-only *view* of a read-only
        # array cannot be made writeable again, so the instance stays immutable.
        probs = np.array(self.probabilities, dtype=np.float64)
        probs.flags.writeable = False
        object.__setattr__(self, "symbols", tuple(self.symbols))
        object.__setattr__(self, "probabilities", probs.view())
        if len(self.symbols) != len(self.probabilities):
            raise DistributionError(
                f"{len(self.symbols)} symbols but {len(self.probabilities)} probabilities"
            )
        seen: set[Symbol] = set()
        for s in self.symbols:
            if s in seen:
                raise DistributionError(f"duplicate symbol {s!r}")
            seen.add(s)
        object.__setattr__(self, "_index", {s: i for i, s in enumerate(self.symbols)})

    # -- constructors -----------------------------------------------------
    @classmethod
    def from_probabilities(
        cls,
        probabilities: Mapping[Symbol, float] | Sequence[float] | np.ndarray,
        symbols: Sequence[Symbol] | None = None,
    ) -> Distribution:
        """Build from probabilities summing to 1 within 1e-9.

        ``probabilities`` is a mapping ``{symbol: p}`` or a sequence; a
        sequence's symbols are ``symbols`` if given, else ``"0"``, ``"1"``, ...
        Raises :class:`DistributionError` for any invalid value; nothing is
        renormalised.
        """
        syms, values = _split(probabilities, symbols)
        p = check_probabilities(values, "probabilities")
        return cls(tuple(syms), p)

    @classmethod
    def from_counts(
        cls,
        counts: Mapping[Symbol, float] | Sequence[float] | np.ndarray,
        symbols: Sequence[Symbol] | None = None,
    ) -> Distribution:
        """Build from non-negative counts or weights, divided by their sum.

        The empirical distribution: ``p[i] = counts[i] / sum(counts)``.
        Raises :class:`DistributionError` for negative, NaN or infinite
        weights, or when every weight is 0.
        """
        syms, values = _split(counts, symbols)
        w = check_weights(values, "counts")
        exact = None
        if all(float(v).is_integer() for v in w.tolist()):
            exact = tuple(int(v) for v in w.tolist())
        try:
            total = math.fsum(w.tolist())
        except OverflowError:  # finite weights whose sum exceeds the float range
            w = w / w.max()
            total = math.fsum(w.tolist())
        if total <= 0:
            raise DistributionError("counts sum to 0: at least one must be positive")
        p = w / total
        p.flags.writeable = False
        return cls(tuple(syms), p, exact)

    @classmethod
    def from_data(cls, data: bytes | str, symbols: str = "bytes") -> Distribution:
        """The empirical distribution of the symbols in ``data``.

        ``symbols`` is the mode: ``"bytes"``, ``"chars"``, ``"words"`` or
        ``"lines"`` (see :mod:`entrocode.symbols`). A ``str`` is encoded as
        UTF-8 first. Symbols are the ``bytes`` of each distinct symbol, in
        sorted order; only symbols that occur are included.
        """
        from entrocode.symbols import tokenize

        raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
        if not raw:
            raise DistributionError("data is empty: no symbols to count")
        tokens = tokenize(raw, symbols)
        counts = np.bincount(tokens.ids, minlength=len(tokens.alphabet))
        present = np.flatnonzero(counts)
        return cls.from_counts(
            counts[present].tolist(), [tokens.alphabet[i] for i in present.tolist()]
        )

    @classmethod
    def from_spec(cls, spec: str, normalize: bool = False) -> Distribution:
        """Parse a DIST spec (see :func:`parse_spec`)."""
        return parse_spec(spec, normalize=normalize)

    # -- mapping-like access ----------------------------------------------
    def __len__(self) -> int:
        return len(self.symbols)

    def __iter__(self) -> Iterator[Symbol]:
        return iter(self.symbols)

    def __contains__(self, symbol: object) -> bool:
        return symbol in self._index  # type: ignore[attr-defined]

    def __getitem__(self, symbol: Symbol) -> float:
        try:
            return float(self.probabilities[self._index[symbol]])  # type: ignore[attr-defined]
        except KeyError:
            raise KeyError(symbol) from None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Distribution):
            return NotImplemented
        return self.symbols == other.symbols and bool(
            np.array_equal(self.probabilities, other.probabilities)
        )

    def __hash__(self) -> int:
        return hash((self.symbols, self.probabilities.tobytes()))

    def __repr__(self) -> str:
        items = ", ".join(f"{s!r}: {p:.6g}" for s, p in self.items())
        return f"Distribution({{{items}}})"

    def get(self, symbol: Symbol, default: float = 0.0) -> float:
        """Probability of ``symbol``, or ``default`` when it is not a symbol here."""
        i = self._index.get(symbol)  # type: ignore[attr-defined]
        return default if i is None else float(self.probabilities[i])

    def index(self, symbol: Symbol) -> int:
        """Position of ``symbol`` in :attr:`symbols`."""
        return self._index[symbol]  # type: ignore[attr-defined,no-any-return]

    def items(self) -> list[tuple[Symbol, float]]:
        """``(symbol, probability)`` pairs in order."""
        return list(zip(self.symbols, self.probabilities.tolist(), strict=True))

    def as_dict(self) -> dict[Symbol, float]:
        """A new ``{symbol: probability}`` dict."""
        return dict(self.items())

    @property
    def support(self) -> tuple[Symbol, ...]:
        """The symbols with probability > 0."""
        return tuple(s for s, p in self.items() if p > 0)

    def smoothed(self, alpha: float) -> Distribution:
        """Add ``alpha`` to every symbol's weight and renormalise.

        With counts, ``p[i] = (count[i] + alpha) / (N + alpha * n)``
        (additive, Laplace for alpha = 1); without, the probabilities are the
        weights. Used to give every symbol a finite codeword.
        """
        a = float(alpha)
        if not math.isfinite(a) or a <= 0:
            raise DistributionError(f"smoothing must be a positive number, got {alpha!r}")
        base = np.array(self.counts, dtype=np.float64) if self.counts else self.probabilities
        return Distribution.from_counts((base + a).tolist(), self.symbols)


def _split(
    values: Mapping[Symbol, float] | Sequence[float] | np.ndarray,
    symbols: Sequence[Symbol] | None,
) -> tuple[list[Symbol], Any]:
    if isinstance(values, Mapping):
        if symbols is not None:
            raise DistributionError("pass symbols either as mapping keys or as symbols=, not both")
        return list(values.keys()), list(values.values())
    if isinstance(values, (str, bytes)):
        raise DistributionError(f"expected numbers, got {values!r}")
    seq = list(values.tolist() if isinstance(values, np.ndarray) else values)
    if symbols is None:
        return [str(i) for i in range(len(seq))], seq
    syms = list(symbols)
    if len(syms) != len(seq):
        raise DistributionError(
            f"{len(syms)} symbols but {len(seq)} values: the lengths must match"
        )
    return syms, seq


def align(p: Distribution, q: Distribution) -> tuple[np.ndarray, np.ndarray]:
    """Align two distributions over the union of their symbols.

    The order is P's symbols, then Q's symbols that P lacks; a missing symbol
    has probability 0 in the distribution that lacks it.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Two aligned float64 vectors.
    """
    symbols = list(p.symbols) + [s for s in q.symbols if s not in p]
    pa = np.array([p.get(s, 0.0) for s in symbols], dtype=np.float64)
    qa = np.array([q.get(s, 0.0) for s in symbols], dtype=np.float64)
    return pa, qa


_FLOAT = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^[+-]?(nan|inf|infinity)$", re.I)


def _number(text: str, where: str) -> float:
    t = text.strip()
    if not _FLOAT.match(t):
        raise DistributionError(f"{where}: {text.strip()!r} is not a number")
    v = float(t)
    if math.isnan(v):
        raise DistributionError(f"{where}: value {t!r} is NaN")
    if math.isinf(v):
        raise DistributionError(f"{where}: value {t!r} is infinite")
    if v < 0:
        raise DistributionError(f"{where}: value {t!r} is negative")
    return v


def parse_spec(spec: str, normalize: bool = False) -> Distribution:
    """Parse a DIST spec into a :class:`Distribution`.

    Parameters
    ----------
    spec : str
        ``a=0.5,b=0.25,c=0.25`` (pairs), ``0.9,0.1`` (bare values, symbols
        ``"0"``, ``"1"``, ...), or a path ending in ``.json`` to an object
        ``{"symbol": probability, ...}``.
    normalize : bool, default False
        Treat the values as weights or counts and divide by their sum. Without
        it, the values must sum to 1 within 1e-9.

    Raises
    ------
    DistributionError
        For an empty spec, duplicate symbols, a negative, NaN, infinite or
        non-numeric value, an unreadable or malformed JSON file, or a sum
        that is not 1.

    Examples
    --------
    >>> parse_spec("heads=0.5,tails=0.5")["tails"]
    0.5
    >>> parse_spec("3,1", normalize=True)["0"]
    0.75
    """
    if not isinstance(spec, str):
        raise DistributionError(f"a DIST spec must be a string, got {spec!r}")
    text = spec.strip()
    if not text:
        raise DistributionError("empty DIST spec: give pairs like a=0.5,b=0.5, values like "
                                "0.9,0.1, or a .json file")
    if text.lower().endswith(".json"):
        symbols, values = _read_json(text)
    else:
        symbols, values = _read_inline(text)
    if normalize:
        return Distribution.from_counts(values, symbols)
    return Distribution.from_probabilities(values, symbols)


def _read_inline(text: str) -> tuple[list[str], list[float]]:
    parts = text.split(",")
    if any(not p.strip() for p in parts):
        raise DistributionError(f"empty entry in DIST spec {text!r}")
    has_eq = ["=" in p for p in parts]
    if any(has_eq) and not all(has_eq):
        raise DistributionError(
            f"DIST spec {text!r} mixes symbol=value pairs and bare values"
        )
    symbols: list[str] = []
    values: list[float] = []
    if all(has_eq):
        seen: set[str] = set()
        for part in parts:
            sym, _, val = part.rpartition("=")
            sym = sym.strip()
            if not sym:
                raise DistributionError(f"missing symbol before '=' in {part.strip()!r}")
            if sym in seen:
                raise DistributionError(f"duplicate symbol {sym!r} in DIST spec")
            seen.add(sym)
            symbols.append(sym)
            values.append(_number(val, f"symbol {sym!r}"))
    else:
        for i, part in enumerate(parts):
            symbols.append(str(i))
            values.append(_number(part, f"entry {i}"))
    return symbols, values


class _DuplicateKey(Exception):
    """A JSON object names the same symbol twice (carries the symbol)."""


def _read_json(path_text: str) -> tuple[list[str], list[float]]:
    try:
        path = Path(path_text).expanduser()
    except RuntimeError:  # "~user/..." for an unknown user
        path = Path(path_text)
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DistributionError(f"DIST file {path_text!r} does not exist") from None
    except IsADirectoryError:
        raise DistributionError(f"DIST file {path_text!r} is a directory") from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise DistributionError(f"cannot read DIST file {path_text!r}: {reason}") from None

    def pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k, v in pairs:
            if k in out:
                raise _DuplicateKey(k)
            out[k] = v
        return out

    try:
        obj = json.loads(raw, object_pairs_hook=pairs_hook, parse_constant=lambda c: c)
    except _DuplicateKey as exc:
        raise DistributionError(
            f"duplicate symbol {exc.args[0]!r} in DIST file {path_text!r}"
        ) from None
    except json.JSONDecodeError as exc:
        raise DistributionError(
            f"DIST file {path_text!r} is not valid JSON: {exc.msg} at line {exc.lineno}"
        ) from None
    except (ValueError, RecursionError) as exc:  # integer too long, nesting too deep
        raise DistributionError(f"DIST file {path_text!r} cannot be read as JSON: {exc}") from None
    if not isinstance(obj, dict):
        raise DistributionError(
            f"DIST file {path_text!r} must hold a JSON object {{\"symbol\": probability}}"
        )
    if not obj:
        raise DistributionError(f"DIST file {path_text!r} holds no symbols")
    symbols: list[str] = []
    values: list[float] = []
    for k, v in obj.items():
        if isinstance(v, bool) or not isinstance(v, (int, float, str)):
            raise DistributionError(f"symbol {k!r}: {v!r} is not a number")
        if isinstance(v, str) and v not in ("NaN", "Infinity", "-Infinity"):
            raise DistributionError(f"symbol {k!r}: {v!r} is not a number")
        try:
            text = str(float(v))
        except OverflowError:  # an integer beyond the float range
            raise DistributionError(
                f"symbol {k!r}: value {v} is too large (not a finite float)"
            ) from None
        symbols.append(k)
        values.append(_number(text, f"symbol {k!r}"))
    return symbols, values
