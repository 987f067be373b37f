"""Imported by ``tinypkg.dropout``: pages depend on it only transitively."""


def line(name: str, value) -> str:
    return f"{name}: {value}"
