"""Plain-text formatting shared by the examples, so pages and CLI print alike.

>>> print(table({"kept fraction": 0.49512, "steps": 32, "ok": True}))
kept fraction  0.4951
steps          32
ok             True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

# The key under which a glued value's Chinese text is glued beside it: the
# Chinese edition pastes it where a translated sentence pastes ``name``.
CHINESE_KEY = "{name}.zh_CN"


@dataclass(frozen=True)
class Phrase:
    """Words the code chooses for a sentence, in English and in Chinese.

    A value glued into prose that is words, not a number ("do not overlap"),
    says them in both editions' languages; it prints as its English.

    >>> print(Phrase("do not overlap", "互不重叠"))
    do not overlap
    """

    en: str
    zh: str

    def __str__(self) -> str:
        return self.en


def fmt(value: Any) -> str:
    """Four significant digits for floats, lists element-wise, str otherwise."""
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(fmt(v) for v in value) + "]"
    return str(value)


def table(rows: Mapping[str, Any], indent: str = "") -> str:
    """Two aligned columns: name, value."""
    width = max((len(k) for k in rows), default=0)
    return "\n".join(f"{indent}{k.ljust(width)}  {fmt(v)}" for k, v in rows.items())


def _plain(value: Any) -> Any:
    """A NumPy scalar as the Python number it holds (its repr is ``np.float64(...)``);
    a value with a Chinese text (a :class:`Phrase`, a ``Spread``) as its English text."""
    if hasattr(value, "zh"):
        return str(value)
    return value.item() if hasattr(value, "item") and getattr(value, "shape", None) == () else value


def glue(name: str, value: Any) -> Any:
    """Hand a measured ``value`` to the page's prose, and return it.

    In the site's build this is myst-nb's ``glue`` (hidden): the page's text
    writes ``{glue:text}`name:.3f``` where the number goes, so the number in
    the prose is the one this run computed, never one typed by hand. A value
    with a ``zh`` text (a :class:`Phrase`, a ``Spread``) is glued a second
    time, in Chinese, under :data:`CHINESE_KEY`, for the Chinese edition. Outside
    a notebook (the CLI, a plain ``python`` session), or where myst-nb is not
    installed (a page's download run in plain Jupyter), it does nothing.

    >>> glue("gap", 0.25)
    0.25
    """
    try:
        from IPython import get_ipython
    except ImportError:
        return value
    shell = get_ipython()
    if shell is None or not hasattr(shell, "kernel"):
        return value
    try:
        from myst_nb import glue as nb_glue
    except ImportError:
        return value

    nb_glue(name, _plain(value), display=False)
    if hasattr(value, "zh"):
        nb_glue(CHINESE_KEY.format(name=name), value.zh, display=False)
    return value
