"""Plain-text formatting shared by the examples, so pages and CLI print alike.

>>> print(table({"kept fraction": 0.49512, "steps": 32, "ok": True}))
kept fraction  0.4951
steps          32
ok             True
"""

from __future__ import annotations

from typing import Any, Mapping


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
