"""The prerequisite graph drawn as an SVG, in pure Python: a layered (Sugiyama) layout.

No Graphviz: ``make docs`` installs no ``dot``, and the site may use only what it
installs. The drawing reads top to bottom, an arrow A → B meaning "learn A
before B":

1. **Layers.** Each term goes in the first layer below all its prerequisites
   that has room (at most ``width`` terms a layer, so that the drawing stays
   narrow enough to read on a desktop's column); among the terms ready for a
   layer, those with the longest chain of terms after them go first. A term
   then moves down next to its followers when more edges leave it than enter
   it (shorter edges overall).
2. **Long edges** get a bend point (a "dummy") in every layer they cross, so
   that they run between terms rather than through them.
3. **Order within layers:** barycenter sweeps, down and up, each followed by
   swaps of neighbours that remove crossings; the order with the fewest
   crossings is kept.
4. **Positions:** each item moves towards the mean position of its neighbours
   in the layer above (then below), as close as the spacing allows (an exact
   least-squares projection, pool-adjacent-violators).

Everything is computed from the registry's order, with no set or dict order
left to chance, and numbers are written rounded: the SVG is the same bytes on
every build.

>>> layout = layered_layout(registry.site_order())
>>> layout.nodes["tensor"].layer < layout.nodes["neuron"].layer
True
>>> svg = render_svg(layout, {"tensor": "glossary/tensor.html"}, title="Concept map")
>>> svg.startswith("<svg") and 'href="glossary/tensor.html"' in svg
True
"""

from __future__ import annotations

import functools
import html
import pathlib
from dataclasses import dataclass, field

import matplotlib
from matplotlib.ft2font import FT2Font

from glossary_examples._lib import registry

# --- Sizes, in SVG user units (CSS pixels at scale 1) -----------------------------------
NODE_WIDTH = 136
NAME_SIZE = 12.5  # the English name (bold where it comes first)
ZH_SIZE = 12  # the Chinese name
LINE = 15  # baseline to baseline
PAD_X, PAD_Y = 6, 6  # inside a box, around the text (room for "hyperparameters" in bold)
LAYER_GAP = 46  # between the bottom of one layer's tallest box and the next layer's top
GAP_NODES = 14  # between two boxes side by side
GAP_DUMMY = 8  # between a box and an edge running past it, or two such edges
MARGIN = 6
LAYER_WIDTH = 6  # terms in a layer, at most
SWEEPS = 4  # barycenter sweeps (each down then up) for the order
POSITION_PASSES = 12  # positioning passes (each down then up)


# Latin text is measured in DejaVu Sans Bold, which matplotlib ships: Linux's default sans
# is DejaVu Sans, the widest a reader is likely to get (Helvetica, Segoe UI and San Francisco
# are narrower), and every name is bold in one of the two editions (the English name in the
# English one), so both editions wrap a name the same way and draw the same boxes.
WIDTH_FONT = pathlib.Path(matplotlib.get_data_path(), "fonts", "ttf", "DejaVuSans-Bold.ttf")


@functools.cache
def _em(ch: str) -> float:
    """A character's advance in em: CJK characters are a square em; others as the font has it."""
    if ord(ch) >= 0x2E80:
        return 1.0
    font = _width_font()
    if not font.get_char_index(ord(ch)):
        return 1.0  # not in the font: the browser falls back to one at least as wide
    return font.load_char(ord(ch)).linearHoriAdvance / 65536 / 100


@functools.cache
def _width_font() -> FT2Font:
    font = FT2Font(str(WIDTH_FONT))
    font.set_size(100, 72)  # 100 px to the em: advances in hundredths of an em
    return font


def text_width(text: str, size: float) -> float:
    """A line's width at ``size`` px, without kerning (which only narrows it), for wrapping.

    >>> text_width("张量", 12), round(text_width("Tensor", 10), 1)
    (24.0, 38.5)
    """
    return sum(_em(ch) for ch in text) * size


def wrap(text: str, size: float, width: float) -> list[str]:
    """``text`` in lines no wider than ``width``: at spaces, else (Chinese) between characters.

    >>> wrap("Backpropagation through time", 12.5, 124)
    ['Backpropagation', 'through time']
    >>> wrap("输入层、隐藏层、输出层", 12, 124)
    ['输入层、隐藏层、', '输出层']
    """
    lines: list[str] = []
    words = text.split(" ")
    current = ""
    for word in words:
        candidate = f"{current} {word}" if current else word
        if text_width(candidate, size) <= width or not current:
            current = candidate
        else:
            lines.append(current)
            current = word
    lines.append(current)
    # A single word too wide (a Chinese name has no spaces): cut after an enumeration
    # comma if one fits, else between characters.
    out: list[str] = []
    for line in lines:
        while text_width(line, size) > width and len(line) > 1:
            cut = len(line)
            while cut > 1 and text_width(line[:cut], size) > width:
                cut -= 1
            comma = line.rfind("、", 0, cut)
            cut = comma + 1 if comma > 0 else cut
            out.append(line[:cut])
            line = line[cut:]
        out.append(line)
    return out


@dataclass
class Node:
    """A term's box: its lines of text, its layer and position (x is the box's centre)."""

    term: registry.Term
    name_lines: list[str]
    zh_lines: list[str]
    layer: int = 0
    x: float = 0.0
    y: float = 0.0  # the box's top
    height: float = 0.0

    @property
    def width(self) -> float:
        return NODE_WIDTH


@dataclass
class Edge:
    """A prerequisite edge, source above target, through its bend points (top to bottom)."""

    source: str
    target: str
    points: list[tuple[float, float]] = field(default_factory=list)


@dataclass
class Layout:
    nodes: dict[str, Node]  # slug -> box, in site order
    edges: list[Edge]
    width: float
    height: float
    layers: list[list[str]]  # each layer's items, left to right: slugs and bend points (dummy())


def box_for(term: registry.Term) -> Node:
    inner = NODE_WIDTH - 2 * PAD_X
    node = Node(term, wrap(term.name, NAME_SIZE, inner), wrap(term.zh, ZH_SIZE, inner))
    node.height = 2 * PAD_Y + LINE * (len(node.name_lines) + len(node.zh_lines)) - 2
    return node


# --- 1. Layers ---------------------------------------------------------------------------

def assign_layers(terms: list[registry.Term], width: int) -> dict[str, int]:
    """Each slug's layer: below all its prerequisites, at most ``width`` terms a layer."""
    slugs = [t.slug for t in terms]
    index = {s: i for i, s in enumerate(slugs)}
    preds = {t.slug: [p for p in t.learn_first if p in index] for t in terms}
    succs: dict[str, list[str]] = {s: [] for s in slugs}
    for s in slugs:
        for p in preds[s]:
            succs[p].append(s)
    # The longest chain of terms after each one: those first, so the drawing is short.
    height: dict[str, int] = {}
    for s in reversed(slugs):  # site order is topological: followers come later
        height[s] = 1 + max((height[n] for n in succs[s]), default=-1)
    layer: dict[str, int] = {}
    current = 0
    while len(layer) < len(slugs):
        ready = [s for s in slugs if s not in layer
                 and all(p in layer and layer[p] < current for p in preds[s])]
        ready.sort(key=lambda s: (-height[s], index[s]))
        for s in ready[:width]:
            layer[s] = current
        current += 1
    # Move a term up towards its prerequisites, or down towards its followers, when more
    # edges enter it than leave it (or the other way round): shorter edges overall.
    counts: dict[int, int] = {}
    for s in slugs:
        counts[layer[s]] = counts.get(layer[s], 0) + 1
    moved = True
    while moved:
        moved = False
        for s in slugs:
            # Each layer moved shortens every edge on one side and lengthens every
            # edge on the other: move towards the side with more (the total only
            # falls, so this ends).
            pull = len(preds[s]) - len(succs[s])
            if pull > 0:  # up, as close under the lowest prerequisite as there is room
                candidates = range(max(layer[p] for p in preds[s]) + 1, layer[s])
            elif pull < 0:  # down, as close over the highest follower as there is room
                candidates = range(min(layer[n] for n in succs[s]) - 1, layer[s], -1)
            else:
                continue
            for target in candidates:
                if counts.get(target, 0) < width:
                    counts[layer[s]] -= 1
                    counts[target] = counts.get(target, 0) + 1
                    layer[s] = target
                    moved = True
                    break
    return layer


# --- 2 and 3. Bend points and the order within layers ------------------------------------

def dummy(source: str, layer: int) -> str:
    """The bend point, in one layer, of every edge from ``source`` that crosses it.

    Edges from one term share their bend points: they run down as one trunk and
    branch off where each ends, so a term with many followers far below takes
    one lane, not one per follower.
    """
    return f"~{source}@{layer}"


def build_layers(terms: list[registry.Term], layer: dict[str, int]):
    """Layers of items (slugs and dummies), and each item's neighbours above and below."""
    count = max(layer.values()) + 1
    layers: list[list[str]] = [[] for _ in range(count)]
    up: dict[str, list[str]] = {}
    down: dict[str, list[str]] = {}
    for t in terms:
        layers[layer[t.slug]].append(t.slug)
        up.setdefault(t.slug, [])
        down.setdefault(t.slug, [])
    for t in terms:
        for p in t.learn_first:
            if p not in layer:
                continue
            chain = [p] + [dummy(p, k) for k in range(layer[p] + 1, layer[t.slug])] + [t.slug]
            for k, item in enumerate(chain[1:-1], start=layer[p] + 1):
                if item not in up:
                    layers[k].append(item)
                    up[item], down[item] = [], []
            for a, b in zip(chain, chain[1:]):
                if b not in down[a]:
                    down[a].append(b)
                    up[b].append(a)
    return layers, up, down


def crossings(upper: list[str], lower: list[str], down: dict[str, list[str]]) -> int:
    pos = {item: i for i, item in enumerate(lower)}
    ends = [(i, pos[b]) for i, a in enumerate(upper) for b in down[a] if b in pos]
    return sum(1 for k, (a1, b1) in enumerate(ends) for a2, b2 in ends[k + 1:]
               if (a1 - a2) * (b1 - b2) < 0)


def total_crossings(layers, down) -> int:
    return sum(crossings(a, b, down) for a, b in zip(layers, layers[1:]))


def transpose(layers: list[list[str]], down) -> None:
    """Swap neighbours in a layer while that removes crossings with the layers around it."""

    def around(k: int) -> int:
        return ((crossings(layers[k - 1], layers[k], down) if k else 0)
                + (crossings(layers[k], layers[k + 1], down) if k + 1 < len(layers) else 0))

    improved = True
    while improved:
        improved = False
        for k, items in enumerate(layers):
            for i in range(len(items) - 1):
                before = around(k)
                items[i], items[i + 1] = items[i + 1], items[i]
                if around(k) < before:
                    improved = True
                else:
                    items[i], items[i + 1] = items[i + 1], items[i]


def order_layers(layers: list[list[str]], up, down, sweeps: int = SWEEPS) -> list[list[str]]:
    """Barycenter sweeps; the order with the fewest crossings seen is kept."""
    layers = [list(items) for items in layers]
    best, best_count = [list(x) for x in layers], total_crossings(layers, down)

    def sweep(indices, neighbours, adjacent):
        for k in indices:
            pos = {item: i for i, item in enumerate(layers[adjacent(k)])}
            current = {item: i for i, item in enumerate(layers[k])}

            def key(item):
                linked = [pos[n] for n in neighbours[item] if n in pos]
                return (sum(linked) / len(linked) if linked else current[item], current[item])

            layers[k].sort(key=key)

    for _ in range(sweeps):
        sweep(range(1, len(layers)), up, lambda k: k - 1)
        sweep(range(len(layers) - 2, -1, -1), down, lambda k: k + 1)
        transpose(layers, down)
        count = total_crossings(layers, down)
        if count < best_count:
            best, best_count = [list(x) for x in layers], count
    return best


# --- 4. Positions ------------------------------------------------------------------------

def is_dummy(item: str) -> bool:
    return item.startswith("~")


def separation(a: str, b: str) -> float:
    """Least distance between the centres of two neighbours in a layer."""
    half = lambda item: 0 if is_dummy(item) else NODE_WIDTH / 2  # noqa: E731
    gap = GAP_NODES if not (is_dummy(a) or is_dummy(b)) else GAP_DUMMY
    return half(a) + half(b) + gap


def project(targets: list[float], gaps: list[float], weights: list[float]) -> list[float]:
    """The positions nearest ``targets`` (weighted least squares) keeping each gap.

    Pool adjacent violators on ``y_i = x_i - offset_i``, which must not decrease.

    >>> project([0, 0, 0], [10, 10], [1, 1, 1])
    [-10.0, 0.0, 10.0]
    >>> project([0, 50], [10], [1, 1])
    [0.0, 50.0]
    """
    offsets = [0.0]
    for g in gaps:
        offsets.append(offsets[-1] + g)
    blocks: list[list[float]] = []  # [mean, weight, size]
    for t, o, w in zip(targets, offsets, weights):
        blocks.append([t - o, w, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            m2, w2, n2 = blocks.pop()
            m1, w1, n1 = blocks.pop()
            blocks.append([(m1 * w1 + m2 * w2) / (w1 + w2), w1 + w2, n1 + n2])
    ys = [m for m, _, n in blocks for _ in range(n)]
    return [float(y + o) for y, o in zip(ys, offsets)]


def place(layers: list[list[str]], up, down, passes: int = POSITION_PASSES) -> dict[str, float]:
    x: dict[str, float] = {}
    for items in layers:  # packed, centred on 0
        pos = 0.0
        for i, item in enumerate(items):
            if i:
                pos += separation(items[i - 1], item)
            x[item] = pos
        shift = pos / 2
        for item in items:
            x[item] -= shift

    def align(k: int, neighbours) -> None:
        items = layers[k]
        targets = []
        for item in items:
            linked = [x[n] for n in neighbours[item]]
            targets.append(sum(linked) / len(linked) if linked else x[item])
        gaps = [separation(a, b) for a, b in zip(items, items[1:])]
        # Boxes move less than bend points: a straight edge matters less than a tidy row.
        weights = [1.0 if is_dummy(item) else 2.0 for item in items]
        for item, value in zip(items, project(targets, gaps, weights)):
            x[item] = value

    def both(item):
        return up[item] + down[item]

    for _ in range(passes):
        for k in range(1, len(layers)):
            align(k, up)
        for k in range(len(layers) - 2, -1, -1):
            align(k, down)
    for k in range(len(layers)):
        align(k, {item: both(item) for item in layers[k]})
    return x


def layered_layout(terms: list[registry.Term], width: int = LAYER_WIDTH) -> Layout:
    """The whole drawing of ``terms`` (their prerequisites among them)."""
    nodes = {t.slug: box_for(t) for t in terms}
    layer = assign_layers(terms, width)
    layers, up, down = build_layers(terms, layer)
    layers = order_layers(layers, up, down)
    x = place(layers, up, down)
    left = min(x[item] - (0 if is_dummy(item) else NODE_WIDTH / 2) for item in x)
    right = max(x[item] + (0 if is_dummy(item) else NODE_WIDTH / 2) for item in x)
    shift = MARGIN - left
    tops, heights = [], []
    y = MARGIN
    for items in layers:
        band = max((nodes[i].height for i in items if not is_dummy(i)), default=0)
        tops.append(y)
        heights.append(band)
        y += band + LAYER_GAP
    for slug, node in nodes.items():
        node.layer = layer[slug]
        node.x = round(x[slug] + shift, 1)
        band = heights[node.layer]
        node.y = round(tops[node.layer] + (band - node.height) / 2, 1)
    edges = []
    for t in terms:
        for p in t.learn_first:
            if p not in nodes:
                continue
            points = []
            for k in range(layer[p] + 1, layer[t.slug]):
                dx = round(x[dummy(p, k)] + shift, 1)
                points += [(dx, tops[k]), (dx, tops[k] + heights[k])]
            edges.append(Edge(p, t.slug, points))
    attach_ports(nodes, edges)
    return Layout(nodes, edges, round(right - left + 2 * MARGIN, 1),
                  round(y - LAYER_GAP + MARGIN, 1), layers)


def attach_ports(nodes: dict[str, Node], edges: list[Edge]) -> None:
    """Each edge leaves its source's bottom and enters its target's top, spread apart."""
    outgoing: dict[str, list[Edge]] = {s: [] for s in nodes}
    incoming: dict[str, list[Edge]] = {s: [] for s in nodes}
    for e in edges:
        outgoing[e.source].append(e)
        incoming[e.target].append(e)

    def toward(e: Edge, end: str) -> float:
        if e.points:
            return e.points[0][0] if end == "source" else e.points[-1][0]
        return nodes[e.target].x if end == "source" else nodes[e.source].x

    def spread(node: Node, group: list[Edge], end: str) -> list[float]:
        group.sort(key=lambda e: (toward(e, end), e.source, e.target))
        step = min(14.0, (NODE_WIDTH - 30) / max(1, len(group) - 1)) if len(group) > 1 else 0
        first = node.x - step * (len(group) - 1) / 2
        return [round(first + i * step, 1) for i in range(len(group))]

    for slug, node in nodes.items():
        for e, px in zip(outgoing[slug], spread(node, outgoing[slug], "source")):
            e.points.insert(0, (px, round(node.y + node.height, 1)))
    for slug, node in nodes.items():
        for e, px in zip(incoming[slug], spread(node, incoming[slug], "target")):
            e.points.append((px, round(node.y, 1)))


# --- The SVG -----------------------------------------------------------------------------

def number(value: float) -> str:
    """A coordinate as written: one decimal at most, no trailing zero."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def edge_path(points: list[tuple[float, float]]) -> str:
    """Straight through a layer, a vertical-tangent curve between layers."""
    (x0, y0), rest = points[0], points[1:]
    parts = [f"M{number(x0)} {number(y0)}"]
    for i, (x1, y1) in enumerate(rest):
        if i % 2 == 0:  # between layers: a gentle S
            mid = (y0 + y1) / 2
            parts.append(f"C{number(x0)} {number(mid)} {number(x1)} {number(mid)}"
                         f" {number(x1)} {number(y1)}")
        else:  # through a layer, past its boxes
            parts.append(f"L{number(x1)} {number(y1)}")
        x0, y0 = x1, y1
    return "".join(parts)


def section_class(term: registry.Term) -> str:
    return f"cm-sec-{term.section}"


def render_svg(layout: Layout, hrefs: dict[str, str], title: str,
               id_prefix: str = "concept-map", words=lambda text: text,
               chinese_first: bool = False) -> str:
    """The drawing as inline SVG; a term in ``hrefs`` is a link to that URI.

    The SVG is a group (it holds links, so not ``role="img"``) named by its
    ``<title>``. Each box is an ``<a>`` named by ``aria-label`` (the term's
    names); its ``<title>`` adds the summary, which the browser shows on hover (the
    English name only: a ``<title>`` can hold no element to mark Chinese text with its
    ``lang``, and the box shows the Chinese name, ``lang="zh-Hans"``).
    Colours are CSS classes (``docs/_static/glossary.css``), so the light and
    the dark theme each colour it. In the Chinese edition (``chinese_first``) a
    box shows its Chinese name first, in bold, and is named and described in
    Chinese (``words`` translates a summary).
    """
    esc = lambda s: html.escape(s, quote=True)  # noqa: E731
    w, h = number(layout.width), number(layout.height)
    title_id = f"{id_prefix}-title"
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="concept-map-svg" viewBox="0 0 {w} {h}"'
           f' width="{w}" height="{h}" role="group" aria-labelledby="{title_id}">',
           f'<title id="{title_id}">{esc(title)}</title>',
           f'<defs><marker id="{id_prefix}-arrow" class="cm-arrowhead" viewBox="0 0 10 10"'
           ' refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto">'
           '<path d="M0 0L10 5L0 10z"/></marker>'
           f'<marker id="{id_prefix}-arrow-lit" class="cm-arrowhead-lit" viewBox="0 0 10 10"'
           ' refX="10" refY="5" markerWidth="5" markerHeight="5" orient="auto">'
           '<path d="M0 0L10 5L0 10z"/></marker></defs>',
           '<g class="cm-edges" aria-hidden="true">']
    for e in layout.edges:
        out.append(f'<path d="{edge_path(e.points)}" marker-end="url(#{id_prefix}-arrow)"'
                   f' data-edge="{e.source} {e.target}"/>')
    out.append("</g>")
    out.append('<g class="cm-nodes">')
    for slug, node in layout.nodes.items():
        t = node.term
        left, top = node.x - node.width / 2, node.y
        box = (f'<rect x="{number(left)}" y="{number(top)}" width="{number(node.width)}"'
               f' height="{number(node.height)}" rx="6"/>')
        # Each edition's name first and in bold: the box's height is the same either way.
        name = (node.name_lines, "cm-name", NAME_SIZE, "")
        chinese = (node.zh_lines, "cm-zh", ZH_SIZE, ' lang="zh-Hans"')
        y = top + PAD_Y + LINE - 4
        text = ""
        for rank, (rows, kind, size, lang) in enumerate(
                (chinese, name) if chinese_first else (name, chinese)):
            spans = []
            for line in rows:
                spans.append(f'<tspan x="{number(node.x)}" y="{number(y)}">{esc(line)}</tspan>')
                y += LINE
            first = " cm-first" if rank == 0 else ""
            text += (f'<text class="{kind}{first}"{lang} font-size="{number(size)}"'
                     f' text-anchor="middle">{"".join(spans)}</text>')
        classes = f"cm-node {section_class(t)}"
        if slug in hrefs:
            label, shown = (t.zh_title, t.zh) if chinese_first else (t.title, t.name)
            out.append(f'<a href="{esc(hrefs[slug])}" class="{classes}" data-slug="{slug}"'
                       f' aria-label="{esc(label)}"><title>{esc(shown)} — {esc(words(t.summary))}'
                       f'</title>{box}{text}</a>')
        else:  # not built (a partial build): the box, no link
            out.append(f'<g class="{classes} cm-unbuilt" data-slug="{slug}">'
                       f'<title>{esc(t.name)}</title>{box}{text}</g>')
    out.append("</g></svg>")
    return "".join(out)
