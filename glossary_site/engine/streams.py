"""Merge a cell's stream outputs exactly, whatever chunks the kernel sent.

A kernel flushes stdout on a timer, so one ``print`` can reach the notebook
split in two chunks (``"table"`` then ``"\\nnext line"``). myst-nb 1.4's
``coalesce_streams`` strips each chunk and re-adds a newline, which turns such
a split into a spurious blank line, or a line broken in two: the same code
renders differently from build to build. This module replaces it with a merge
that concatenates the chunks as sent, so the rendered text is exactly what the
code printed. The replacement is one of the entries of :mod:`glossary_site.upstream`.

>>> from nbformat.v4 import new_output
>>> chunks = [new_output("stream", name="stdout", text=t) for t in ("a 1", "\\nb 2\\n", "c")]
>>> coalesce_streams(chunks)[0]["text"]
'a 1\\nb 2\\nc\\n'
>>> coalesce_streams([new_output("stream", name="stdout", text="10%\\r100%\\nab\\x08c")])[0]["text"]
'100%\\nac\\n'
"""

from __future__ import annotations

import re

from nbformat import NotebookNode

from .. import upstream

_CARRIAGE_RETURN = re.compile(r".*\r(?=[^\n])")
_BACKSPACE = re.compile("[^\n]\x08")  # a character, then a backspace


def coalesce_streams(outputs: list[NotebookNode]) -> list[NotebookNode]:
    """One output per stream name, at the first one's place; text concatenated."""
    merged: list[NotebookNode] = []
    first: dict[str, NotebookNode] = {}
    for output in outputs:
        if output["output_type"] != "stream":
            merged.append(output)
        elif output["name"] in first:
            first[output["name"]]["text"] += output["text"]
        else:
            output["text"] = str(output["text"])
            first[output["name"]] = output
            merged.append(output)
    for output in first.values():
        text = output["text"]
        while True:  # "x\b" erases x, as a terminal would
            shorter = _BACKSPACE.sub("", text)
            if shorter == text:
                break
            text = shorter
        text = _CARRIAGE_RETURN.sub("", text)  # progress lines overwritten by \r
        output["text"] = text.rstrip("\n") + "\n"
    return merged


def install() -> None:
    """Use this merge in myst-nb's renderer (nb_merge_streams = True)."""
    upstream.replace_stream_merge(coalesce_streams)
