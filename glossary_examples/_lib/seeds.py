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

    def __str__(self) -> str:
        # Two significant digits of the spread, and the mean and range to the
        # same decimal place: digits below the seed-to-seed noise mean nothing.
        if not (self.sd > 0 and math.isfinite(self.sd)):
            return f"{self.mean:.4g} ± {self.sd:.2g} ({self.min:.4g}–{self.max:.4g}, {self.n} seeds)"
        place = 1 - math.floor(math.log10(self.sd))  # decimal places; negative: tens, hundreds
        def r(x: float) -> str:
            return f"{round(x, place):.{max(place, 0)}f}"
        return f"{r(self.mean)} ± {r(self.sd)} ({r(self.min)}–{r(self.max)}, {self.n} seeds)"


def separated(a: Spread, b: Spread) -> bool:
    """True when the two ranges over seeds do not overlap: a difference that counts."""
    return a.max < b.min or b.max < a.min


def lower(a: Spread, b: Spread) -> bool:
    """True when ``a`` is below ``b`` on every seed: every value of a under every value of b."""
    return a.max < b.min
