"""The error types of entrocode.

Every error that bad input can cause is an :class:`EntrocodeError`, which is a
:class:`ValueError`, so ``except ValueError`` catches them all.  Each message
quotes the offending value.
"""

from __future__ import annotations

import errno

__all__ = [
    "CodebookError",
    "DistributionError",
    "EntrocodeError",
    "FormatError",
    "ModelError",
    "SymbolError",
]


class EntrocodeError(ValueError):
    """Base class: a value that entrocode cannot accept."""


class DistributionError(EntrocodeError):
    """A probability vector, count vector or DIST spec is invalid.

    Raised for negative, NaN or infinite entries, empty input, vectors of
    different lengths, sums not within 1e-9 of 1, duplicate symbols and
    unparsable specs.
    """


class CodebookError(EntrocodeError):
    """A set of code lengths or a length limit admits no prefix code."""


class SymbolError(EntrocodeError):
    """Input data cannot be split into symbols in the requested mode."""


class ModelError(EntrocodeError):
    """A model gives probability 0 to a symbol that occurs in the data."""


class FormatError(EntrocodeError):
    """Input is not a valid ``.ec`` file: corrupt, truncated or foreign."""


WRITE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
"""Operating-system errors that only writing causes (full disk, quota, file too
large): where one carries no file name, the writer names the file it wrote."""
