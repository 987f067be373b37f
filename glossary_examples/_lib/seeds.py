"""Comparisons of training runs over several seeds: the spread, and when a difference counts.

One training run says little: another seed gives another loss. Every page
that compares runs (activations, depths, batch sizes, clipping thresholds,
initialisations) trains each setting on at least :data:`SEEDS` seeds, shows
the mean and the spread, and uses one rule to call a difference:

**two settings differ only when their ranges over the seeds do not overlap**
(every seed of one is below every seed of the other). When the two settings
are in fact the same, this happens by chance with probability 2/C(10, 5) =
2/252, under 1 %, for 5 seeds each; a difference smaller than the spread
between seeds is no difference.

>>> a = Spread.of([0.10, 0.12, 0.11, 0.13, 0.12])
>>> b = Spread.of([0.30, 0.25, 0.28, 0.33, 0.27])
>>> a
Spread(mean=0.116, sd=0.0114, min=0.1, max=0.13, n=5)
>>> print(a)  # printed to the precision the spread allows
0.116 ± 0.011 (0.100–0.130, 5 seeds)
>>> print(Spread.of([1200.0, 1350.0, 1290.0, 1100.0, 1410.0]))
1270 ± 120 (1100–1410, 5 seeds)
>>> separated(a, b), separated(a, Spread.of([0.125, 0.2, 0.3, 0.2, 0.2]))
(True, False)
>>> Spread.of([1.0, 2.0])
Traceback (most recent call last):
...
ValueError: a comparison of training runs needs at least 5 seeds, got 2
"""

from __future__ import annotations

from dataclasses import dataclass

import math

import numpy as np

from .report import Phrase

SEEDS = 5  # the fewest seeds a comparison of training runs uses


@dataclass(frozen=True)
class Spread:
    """A measurement over several seeds: mean, standard deviation, range."""

    mean: float
    sd: float
    min: float
    max: float
    n: int

    @classmethod
    def of(cls, values) -> Spread:
        v = np.asarray(values, dtype=float).ravel()
        if v.size < SEEDS:
            raise ValueError(
                f"a comparison of training runs needs at least {SEEDS} seeds, got {v.size}"
            )
        return cls(float(v.mean()), float(v.std(ddof=1)), float(v.min()), float(v.max()), v.size)

    def __repr__(self) -> str:
        return (f"Spread(mean={self.mean:.4g}, sd={self.sd:.4g}, min={self.min:.4g},"
                f" max={self.max:.4g}, n={self.n})")

    def _rounded(self) -> tuple[str, str, str, str]:
        """Mean, spread, minimum and maximum as printed."""
        # Two significant digits of the spread, and the mean and range to the
        # same decimal place: digits below the seed-to-seed noise mean nothing.
        if not (self.sd > 0 and math.isfinite(self.sd)):
            return (f"{self.mean:.4g}", f"{self.sd:.2g}", f"{self.min:.4g}", f"{self.max:.4g}")
        place = 1 - math.floor(math.log10(self.sd))  # decimal places; negative: tens, hundreds
        def r(x: float) -> str:
            return f"{round(x, place):.{max(place, 0)}f}"
        return r(self.mean), r(self.sd), r(self.min), r(self.max)

    def __str__(self) -> str:
        mean, sd, low, high = self._rounded()
        return f"{mean} ± {sd} ({low}–{high}, {self.n} seeds)"

    @property
    def zh(self) -> str:
        """The same in Chinese, for the Chinese edition's sentences.

        >>> Spread.of([0.10, 0.12, 0.11, 0.13, 0.12]).zh
        '0.116 ± 0.011（0.100–0.130，5 个随机种子）'
        """
        mean, sd, low, high = self._rounded()
        return f"{mean} ± {sd}（{low}–{high}，{self.n} 个随机种子）"


def separated(a: Spread, b: Spread) -> bool:
    """True when the two ranges over seeds do not overlap: a difference that counts."""
    return a.max < b.min or b.max < a.min


def overlap(*ranges: Spread) -> Phrase:
    """Whether ranges over seeds overlap, in words for a sentence ("the ranges ...").

    Two ranges "do not overlap" when they are separated; of more, it is enough that one
    pair is separated for them to "not all overlap".

    >>> overlap(Spread.of([1, 2, 3, 4, 5]), Spread.of([6, 7, 8, 9, 10]))
    Phrase(en='do not overlap', zh='互不重叠')
    >>> low, mid, high = (Spread.of([k, k + 1, k + 2, k + 3, k + 4]) for k in (0, 3, 6))
    >>> overlap(low, mid, high)
    Phrase(en='do not all overlap', zh='并不都重叠')
    """
    if len(ranges) < 2:
        raise ValueError(f"overlap needs at least two ranges, got {len(ranges)}")
    if not any(separated(a, b) for i, a in enumerate(ranges) for b in ranges[i + 1:]):
        return Phrase("overlap", "有重叠")
    return Phrase("do not overlap", "互不重叠") if len(ranges) == 2 else Phrase(
        "do not all overlap", "并不都重叠")


def lower(a: Spread, b: Spread) -> bool:
    """True when ``a`` is below ``b`` on every seed: every value of a under every value of b."""
    return a.max < b.min
