"""The typed-number rule: which numbers in prose count as measured, and where it looks.

The build applies it to every term page (``glossary_site.numbers``); a real
build refusing a typed number is ``tests/test_build_failure.py``.
"""

from __future__ import annotations

import pytest
from docutils import nodes

from glossary_site.numbers import MEASURED, typed_numbers


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("the network predicts 0.69 at x = 1", ["0.69"]),
        ("accuracy 97.22 % on the test set", ["97.22 %"]),
        ("about 80% of the time", ["80%"]),
        ("a 2.38× speed-up", ["2.38"]),
        ("clipped to 1e-7 and .5 more", ["1e-7", ".5"]),
        ("28×28 images, 784 inputs, 10 classes, 1957, 200 epochs", []),
        ("Goodfellow et al. §7.12 and D2L 4.6.2", []),
        ("layer2.weight and x1.5y are names", []),
    ],
)
def test_what_counts_as_a_measured_number(text, found):
    assert [m.group().strip() for m in MEASURED.finditer(text)] == found


def _paragraph(*children: nodes.Node) -> nodes.paragraph:
    para = nodes.paragraph()
    para.line = 7
    for child in children:
        para += child
    return para


def test_only_running_text_is_checked():
    doc = nodes.section()
    doc += _paragraph(
        nodes.Text("The gap is 0.016 ("),
        nodes.literal("rate=0.5", "rate=0.5"),
        nodes.Text(", "),
        nodes.math("p=0.25", "p=0.25"),
        nodes.Text(", "),
        nodes.inline("0.016", "0.016", classes=["pasted-text"]),
        nodes.Text(")."),
    )
    doc += nodes.container("", _paragraph(nodes.Text("loss 0.123")), classes=["cell_output"])
    doc += _paragraph(nodes.Text("about 80% correct"))
    doc[-1]["classes"].append("claim-text")  # a quoted source claim
    doc += nodes.literal_block("x = 0.5", "x = 0.5")
    assert [(line, number) for line, number, _ in typed_numbers(doc)] == [(7, "0.016")]
