"""The concept map's layout (glossary_site/concept_map.py): no build, no browser.

The drawing of the whole registry, and of small made-up graphs whose answer is
known: prerequisites above what needs them, boxes apart, every term once,
well-formed SVG, the same bytes every time.
"""

from __future__ import annotations

import itertools
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import replace

import pytest

from glossary_examples._lib import registry
from glossary_site import concept_map as cm

from .conftest import ROOT

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def layout() -> cm.Layout:
    return cm.layered_layout(registry.site_order())


def made_up(edges: dict[str, tuple[str, ...]]) -> list[registry.Term]:
    """Terms named by ``edges``' keys (in that order, a topological one), with those prerequisites."""
    base = registry.term("tensor")
    return [replace(base, slug=s, name=s.title(), zh="张量", learn_first=pre)
            for s, pre in edges.items()]


def test_every_prerequisite_is_drawn_in_a_layer_above(layout):
    for t in registry.TERMS:
        for p in t.learn_first:
            assert layout.nodes[p].layer < layout.nodes[t.slug].layer, (p, t.slug)
            # and its box ends above the box that needs it
            assert layout.nodes[p].y + layout.nodes[p].height < layout.nodes[t.slug].y


def test_every_edge_runs_downwards_from_its_prerequisite_to_its_term(layout):
    drawn = {(e.source, e.target) for e in layout.edges}
    assert drawn == {(p, t.slug) for t in registry.TERMS for p in t.learn_first}
    for e in layout.edges:
        source, target = layout.nodes[e.source], layout.nodes[e.target]
        (x0, y0), (x1, y1) = e.points[0], e.points[-1]
        assert y0 == round(source.y + source.height, 1) and abs(x0 - source.x) < source.width / 2
        assert y1 == target.y and abs(x1 - target.x) < target.width / 2
        ys = [y for _, y in e.points]
        assert ys == sorted(ys), e


def test_no_two_boxes_overlap_and_none_leaves_the_drawing(layout):
    boxes = {s: (n.x - n.width / 2, n.y, n.x + n.width / 2, n.y + n.height)
             for s, n in layout.nodes.items()}
    for (a, (l1, t1, r1, b1)), (b, (l2, t2, r2, b2)) in itertools.combinations(boxes.items(), 2):
        apart = r1 + cm.GAP_NODES - 0.2 <= l2 or r2 + cm.GAP_NODES - 0.2 <= l1 or b1 <= t2 or b2 <= t1
        assert apart, (a, b)
    for s, (left, top, right, bottom) in boxes.items():
        assert 0 <= left and right <= layout.width and 0 <= top and bottom <= layout.height, s


def test_an_edge_passing_a_layer_runs_beside_its_boxes_not_through_them(layout):
    for e in layout.edges:
        for x, y in e.points[1:-1]:  # bend points: the edge crosses a layer there
            for n in layout.nodes.values():
                if n.y <= y <= n.y + n.height:
                    assert abs(x - n.x) >= n.width / 2 + cm.GAP_DUMMY - 0.2, (e.source, e.target, n.term.slug)


def test_every_term_is_drawn_once_with_its_names(layout):
    svg = cm.render_svg(layout, {t.slug: f"glossary/{t.slug}.html" for t in registry.TERMS}, "Map")
    root = ET.fromstring(svg)  # well-formed XML, or this raises
    links = root.findall(f".//{SVG}a")
    assert [a.get("data-slug") for a in links] == [t.slug for t in registry.TERMS]
    for a, t in zip(links, registry.TERMS):
        assert a.get("href") == f"glossary/{t.slug}.html"
        assert a.get("aria-label") == t.title
        assert a.find(f"{SVG}title").text == f"{t.name} — {t.summary}"
        texts = ["".join(s.text for s in text.findall(f"{SVG}tspan")) for text in a.findall(f"{SVG}text")]
        # wrapped at spaces (English) or between characters (Chinese): the words are all there
        assert texts[0].replace(" ", "") == t.name.replace(" ", "")
        assert texts[1] == t.zh
    assert root.get("role") == "group" and root.get("aria-labelledby")
    assert root.find(f"{SVG}title").get("id") == root.get("aria-labelledby")
    assert len(root.findall(f".//{SVG}path[@data-edge]")) == sum(len(t.learn_first) for t in registry.TERMS)


def test_the_chinese_edition_draws_each_chinese_name_first_in_the_same_boxes(layout):
    hrefs = {t.slug: t.slug for t in registry.TERMS}
    english = ET.fromstring(cm.render_svg(layout, hrefs, "Map"))
    chinese = ET.fromstring(cm.render_svg(layout, hrefs, "地图", chinese_first=True))
    for en, zh, t in zip(english.findall(f".//{SVG}a"), chinese.findall(f".//{SVG}a"), registry.TERMS):
        assert zh.get("aria-label") == t.zh_title and zh.find(f"{SVG}title").text.startswith(t.zh)
        first, second = zh.findall(f"{SVG}text")
        assert first.get("class") == "cm-zh cm-first" and first.get("lang") == "zh-Hans"
        assert "".join(s.text for s in first) == t.zh and second.get("class") == "cm-name"
        assert en.findall(f"{SVG}text")[0].get("class") == "cm-name cm-first"
        # the same box, and the lines take the same vertical places
        assert zh.find(f"{SVG}rect").attrib == en.find(f"{SVG}rect").attrib
        assert ([s.get("y") for s in zh.iter(f"{SVG}tspan")]
                == [s.get("y") for s in en.iter(f"{SVG}tspan")])


def test_a_term_without_a_page_is_a_box_without_a_link(layout):
    """A partial build (GLOSSARY_ONLY) links only the pages it builds."""
    root = ET.fromstring(cm.render_svg(layout, {"dropout": "glossary/dropout.html"}, "Map"))
    assert [a.get("data-slug") for a in root.findall(f".//{SVG}a")] == ["dropout"]
    assert len(root.findall(f".//{SVG}g[@data-slug]")) == len(registry.TERMS) - 1


def test_a_known_small_graph():
    """A diamond with a tail and a long edge: layers by longest path, the long edge bends."""
    terms = made_up({"a": (), "b": ("a",), "c": ("a",), "d": ("b", "c"), "e": ("d", "a")})
    layout = cm.layered_layout(terms, width=2)
    assert {s: n.layer for s, n in layout.nodes.items()} == {"a": 0, "b": 1, "c": 1, "d": 2, "e": 3}
    long_edge = next(e for e in layout.edges if (e.source, e.target) == ("a", "e"))
    # out of a's bottom, through layers 1 and 2 (two points each: in and out), into e's top
    assert len(long_edge.points) == 2 + 2 * 2
    assert [len(items) for items in layout.layers] == [1, 3, 2, 1]  # the bend points are items


def test_a_layer_holds_at_most_width_terms():
    terms = made_up({"root": (), **{f"leaf{i}": ("root",) for i in range(7)}})
    layout = cm.layered_layout(terms, width=3)
    layers = [n.layer for s, n in layout.nodes.items() if s != "root"]
    assert max(layers.count(k) for k in set(layers)) == 3


def test_crossings_are_reduced():
    """Two chains drawn crossed at first: the sweeps uncross them."""
    terms = made_up({"a": (), "b": (), "c": ("b",), "d": ("a",)})
    layers, up, down = cm.build_layers(terms, cm.assign_layers(terms, 4))
    assert cm.total_crossings(layers, down) == 1
    assert cm.total_crossings(cm.order_layers(layers, up, down), down) == 0


def test_the_drawing_is_the_same_bytes_in_another_process(layout):
    """No order is left to hashing: another interpreter, another hash seed, the same SVG."""
    code = ("from glossary_examples._lib import registry; from glossary_site import concept_map as cm;"
            "import sys; sys.stdout.write(cm.render_svg(cm.layered_layout(registry.site_order()),"
            " {t.slug: t.slug for t in registry.TERMS}, 'Map'))")
    here = cm.render_svg(layout, {t.slug: t.slug for t in registry.TERMS}, "Map")
    for seed in ("1", "2"):
        other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                               cwd=ROOT, env={"PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)},
                               check=True).stdout
        assert other == here


def test_names_fit_their_boxes_by_the_estimate(layout):
    """Every line is within the box by the wrapping estimate (the browser test measures it),
    and an English name breaks only between words: no word is cut."""
    inner = cm.NODE_WIDTH - 2 * cm.PAD_X
    for n in layout.nodes.values():
        assert " ".join(n.name_lines) == n.term.name, n.name_lines
        assert all(cm.text_width(line, cm.NAME_SIZE) <= inner for line in n.name_lines), n.name_lines
        assert all(cm.text_width(line, cm.ZH_SIZE) <= inner for line in n.zh_lines), n.zh_lines
        assert len(n.name_lines) <= 3 and len(n.zh_lines) <= 2
