"""densekit's own drawing of plot_model's graph (utils/model_visualization.py), for machines
without graphviz: a layered layout computed here, written as SVG directly (nothing to install) or
drawn with matplotlib (PNG, JPEG, PDF; ``pip install "densekit[plot]"``).

The layout: each expanded nested model is laid out first, on its own, into a block that its
parent then places like one big box. Within a graph, a box's rank is the longest path to it
from the inputs; boxes of a rank are ordered by the mean position of their neighbours (a few
sweeps down and up), then moved towards the centre of their neighbours, keeping their order and
a gap between them. Sizes are in points (1/72 inch), as graphviz's are.
"""

import os
from xml.sax.saxutils import escape, quoteattr

# Helvetica and Helvetica-Bold advance widths (1/1000 em) of the characters 32..126, from Adobe's
# core-font metrics: the SVG names Helvetica (Arial and Liberation Sans have the same widths).
_HELVETICA = [int(w) for w in (
    "278 278 355 556 556 889 667 222 333 333 389 584 278 333 278 278 556 556 556 556 556 556 556 556 556 556 278 278 "
    "584 584 584 556 1015 667 667 722 722 667 611 778 722 278 500 667 556 833 722 778 667 778 722 667 611 722 667 944 "
    "667 667 611 278 278 278 469 556 222 556 556 500 556 556 278 556 556 222 222 500 222 833 556 556 556 556 333 500 "
    "278 556 500 722 500 500 500 334 260 334 584").split()]
_HELVETICA_BOLD = [int(w) for w in (
    "278 333 474 556 556 889 722 278 333 333 389 584 278 333 278 278 556 556 556 556 556 556 556 556 556 556 333 333 "
    "584 584 584 611 975 722 722 722 722 667 611 778 722 278 556 722 611 833 722 778 667 778 722 667 611 722 667 944 "
    "667 667 611 333 278 333 584 556 278 556 611 556 611 556 333 611 611 278 278 556 278 889 611 611 611 611 389 556 "
    "333 611 556 778 556 556 500 389 280 389 584").split()]

PAD = 10            # the cell padding of Keras's label table
LINE = 1.2          # line height, in font sizes
RANK_GAP = 40       # between ranks
ITEM_GAP = 24       # between boxes of a rank
CLUSTER_PAD = 12    # inside a nested model's dashed frame
CLUSTER_FONT = 14
MARGIN = 8          # around the drawing
ARROW = 9           # arrowhead length
SVG_FONT = "Helvetica,Arial,sans-serif"

MATPLOTLIB_FORMATS = ("png", "jpg", "jpeg", "pdf")
FORMATS = ("svg",) + MATPLOTLIB_FORMATS


def helvetica_width(text, size, bold):
    table = _HELVETICA_BOLD if bold else _HELVETICA
    return size * sum(table[ord(c) - 32] if 32 <= ord(c) <= 126 else 556 for c in text) / 1000


class Drawing:
    """Where everything goes: boxes (node, x, y, w, h, cells), cluster frames (name, x, y, w, h)
    and edges (source key, destination key, points)."""

    def __init__(self, width, height, boxes, clusters, edges):
        self.width, self.height = width, height
        self.boxes, self.clusters, self.edges = boxes, clusters, edges


# --- sizes ----------------------------------------------------------------------------------------
def _row_sizes(node, measure):
    """Per row: (font size, cells, natural cell widths, height)."""
    rows = []
    for size, cells in node.rows:
        widths = [sum(measure(text, size, bold) for text, bold in cell.runs) + 2 * PAD for cell in cells]
        rows.append((size, cells, widths, size * LINE + 2 * PAD))
    return rows


def _node_size(node, measure):
    rows = _row_sizes(node, measure)
    return max(sum(r[2]) for r in rows), sum(r[3] for r in rows)


def _cells(node, x, y, width, measure):
    """The cell rectangles of a box at (x, y): (x, y, w, h, font size, cell); a row's cells share
    the box's width in proportion to what they need."""
    out = []
    for size, cells, widths, height in _row_sizes(node, measure):
        extra = (width - sum(widths)) / len(cells)
        cx = x
        for cell, w in zip(cells, widths):
            out.append((cx, y, w + extra, height, size, cell))
            cx += w + extra
        y += height
    return out


# --- layout ---------------------------------------------------------------------------------------
class _Block:
    def __init__(self):
        self.width = self.height = 0.0
        self.positions = {}  # node key -> (node, x, y, w, h)
        self.clusters = []   # (name, x, y, w, h)
        self.routes = {}     # (source key, destination key) -> the gates a long edge passes through


def _ranks(count, edges):
    """Longest-path ranks; a cycle (a nested model called again on what it returned) is broken
    at its least-blocked item."""
    preds, succs = _neighbours(count, edges)
    rank, waiting, done = [0] * count, [len(p) for p in preds], [False] * count
    ready = [i for i in range(count) if waiting[i] == 0]
    finished = 0
    while finished < count:
        if not ready:
            ready = [min((i for i in range(count) if not done[i]), key=lambda i: waiting[i])]
        i = ready.pop()
        if done[i]:
            continue
        done[i] = True
        finished += 1
        for j in succs[i]:
            if not done[j]:
                waiting[j] -= 1
                rank[j] = max(rank[j], rank[i] + 1)
                if waiting[j] == 0:
                    ready.append(j)
    return rank, preds, succs


def _order(rank, preds, succs):
    """The items of each rank, ordered by the barycentre of their neighbours (four sweeps)."""
    layers = {}
    for i, r in enumerate(rank):
        layers.setdefault(r, []).append(i)
    position = {i: k for items in layers.values() for k, i in enumerate(items)}
    for sweep in range(8):
        downward = sweep % 2 == 0
        for r in sorted(layers, reverse=not downward):
            def barycentre(i):
                near = [position[j] for j in (preds[i] if downward else succs[i]) if rank[j] != rank[i]]
                return sum(near) / len(near) if near else position[i]
            layers[r].sort(key=barycentre)
            for k, i in enumerate(layers[r]):
                position[i] = k
    return [layers[r] for r in sorted(layers)]


def _cross_positions(layers, sizes, preds, succs):
    """Centres across the flow: each box towards the mean of its neighbours, in order, apart."""
    centre = {}
    for items in layers:
        total = sum(sizes[i] for i in items) + ITEM_GAP * (len(items) - 1)
        edge = -total / 2
        for i in items:
            centre[i] = edge + sizes[i] / 2
            edge += sizes[i] + ITEM_GAP
    for sweep in range(6):
        downward = sweep % 2 == 0
        for items in (layers if downward else list(reversed(layers))):
            desired = []
            for i in items:
                near = [centre[j] for j in (preds[i] if downward else succs[i])]
                desired.append(sum(near) / len(near) if near else centre[i])
            placed = []
            for k, i in enumerate(items):
                c = desired[k]
                if k:
                    previous = items[k - 1]
                    c = max(c, placed[-1] + (sizes[previous] + sizes[i]) / 2 + ITEM_GAP)
                placed.append(c)
            shift = sum(p - d for p, d in zip(placed, desired)) / len(items)
            for i, c in zip(items, placed):
                centre[i] = c - shift
    return centre


def _neighbours(count, edges):
    preds = [set() for _ in range(count)]
    succs = [set() for _ in range(count)]
    for a, b in edges:
        succs[a].add(b)
        preds[b].add(a)
    return preds, succs


def _layout(graph, edges, measure, horizontal):
    """Lays out one graph (its expanded nested models first) into a block; positions relative
    to the block's top left corner."""
    items = []  # (width, height, node or None, block or None, cluster name)
    owner = {}
    for node in graph.nodes:
        owner[node.key] = len(items)
        items.append((*_node_size(node, measure), node, None, None))
    for cluster in graph.clusters:
        block = _layout(cluster, edges, measure, horizontal)
        label_height = CLUSTER_FONT * LINE + 4
        for key in block.positions:
            owner[key] = len(items)
        items.append((block.width + 2 * CLUSTER_PAD, block.height + 2 * CLUSTER_PAD + label_height, None, block,
                      cluster.name))
    item_edges = sorted({(owner[s], owner[d]) for s, d in edges if s in owner and d in owner and owner[s] != owner[d]})
    rank = _ranks(len(items), item_edges)[0]
    along = [w if horizontal else h for w, h, *_ in items]
    across = [h if horizontal else w for w, h, *_ in items]

    # An edge across several ranks passes through a thin placeholder on each rank between, so
    # the ordering and the placement route it between boxes rather than through them (as
    # graphviz's virtual nodes do).
    chains, layered_edges = {}, []
    for a, b in item_edges:
        if rank[b] - rank[a] <= 1:
            layered_edges.append((a, b))
            continue
        previous, chain = a, []
        for r in range(rank[a] + 1, rank[b]):
            chain.append(len(rank))
            rank.append(r)
            along.append(0.0)
            across.append(2.0)
            layered_edges.append((previous, chain[-1]))
            previous = chain[-1]
        layered_edges.append((previous, b))
        chains[(a, b)] = chain
    preds, succs = _neighbours(len(rank), layered_edges)
    layers = _order(rank, preds, succs)
    centre = _cross_positions(layers, across, preds, succs)
    low = min(centre[i] - across[i] / 2 for i in range(len(rank)))

    result = _Block()
    start, gates = 0.0, {}
    for layer in layers:
        thickness = max(along[i] for i in layer)
        for i in layer:
            c = centre[i] - across[i] / 2 - low
            if i >= len(items):  # a placeholder: the band of its rank the edge runs through
                gates[i] = (start, c + across[i] / 2, thickness, 0.0) if horizontal else \
                    (c + across[i] / 2, start, 0.0, thickness)
                continue
            width, height, node, block, name = items[i]
            a = start + (thickness - along[i]) / 2
            x, y = (a, c) if horizontal else (c, a)
            if node is not None:
                result.positions[node.key] = (node, x, y, width, height)
            else:
                result.clusters.append((name, x, y, width, height))
                inner_x, inner_y = x + CLUSTER_PAD, y + CLUSTER_PAD + CLUSTER_FONT * LINE + 4
                for key, (n, nx, ny, nw, nh) in block.positions.items():
                    result.positions[key] = (n, inner_x + nx, inner_y + ny, nw, nh)
                result.clusters += [(cn, inner_x + cx, inner_y + cy, cw, ch) for cn, cx, cy, cw, ch in block.clusters]
                for edge, route in block.routes.items():
                    result.routes[edge] = [(inner_x + gx, inner_y + gy, gw, gh) for gx, gy, gw, gh in route]
            result.width = max(result.width, x + width)
            result.height = max(result.height, y + height)
        start += thickness + RANK_GAP
    for s, d in edges:
        chain = chains.get((owner.get(s), owner.get(d)))
        if chain:
            result.routes[(s, d)] = [gates[i] for i in chain]
    return result


def _edge_points(boxes, rankdir, splines):
    """The edge from the first box through the gates to the last: out of each box on the side
    facing the flow, into the next on the opposite side."""
    flow = {"TB": (0, 1), "BT": (0, -1), "LR": (1, 0), "RL": (-1, 0)}[rankdir]
    points = []
    for (sx, sy, sw, sh), (dx, dy, dw, dh) in zip(boxes, boxes[1:]):
        ux, uy = flow
        if (dx + dw / 2 - sx - sw / 2) * ux + (dy + dh / 2 - sy - sh / 2) * uy < 0:
            ux, uy = -ux, -uy  # an edge back against the flow (a cycle): out and in on the other sides
        start = (sx + sw / 2 + ux * sw / 2, sy + sh / 2 + uy * sh / 2)
        end = (dx + dw / 2 - ux * dw / 2, dy + dh / 2 - uy * dh / 2)
        if not points:
            points.append(start)
        elif points[-1] != start:  # through a gate
            points.append(start)
        if splines == "ortho" and uy and abs(start[0] - end[0]) >= 0.5:  # out, across before the next box, in
            turn = end[1] - uy * RANK_GAP / 2
            points += [(start[0], turn), (end[0], turn)]
        elif splines == "ortho" and ux and abs(start[1] - end[1]) >= 0.5:
            turn = end[0] - ux * RANK_GAP / 2
            points += [(turn, start[1]), (turn, end[1])]
        points.append(end)
    return points


def layout(graph, rankdir="TB", splines="ortho", measure=helvetica_width):
    """The Drawing of a PlotGraph: every box, frame and edge, in points, origin top left."""
    horizontal = rankdir in ("LR", "RL")
    edges = graph.all_edges()
    block = _layout(graph, edges, measure, horizontal)
    width, height = block.width + 2 * MARGIN, block.height + 2 * MARGIN

    def place(x, y, w, h):  # the margin, and the flip of BT and RL
        x, y = x + MARGIN, y + MARGIN
        if rankdir == "BT":
            y = height - y - h
        if rankdir == "RL":
            x = width - x - w
        return x, y

    positions = {}
    for key, (node, x, y, w, h) in block.positions.items():
        positions[key] = (node, *place(x, y, w, h), w, h)
    boxes = [(node, x, y, w, h, _cells(node, x, y, w, measure)) for node, x, y, w, h in positions.values()]
    clusters = [(name, *place(x, y, w, h), w, h) for name, x, y, w, h in block.clusters]
    drawn_edges = []
    for s, d in edges:
        if s in positions and d in positions:
            gates = [(*place(*gate), gate[2], gate[3]) for gate in block.routes.get((s, d), [])]
            drawn_edges.append((s, d, _edge_points([positions[s][1:]] + gates + [positions[d][1:]], rankdir, splines)))
    return Drawing(width, height, boxes, clusters, drawn_edges)


def _arrowhead(points):
    """The shortened line (it stops at the arrowhead's base) and the arrowhead's triangle."""
    (x0, y0), (x1, y1) = points[-2], points[-1]
    length = max(((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5, 1e-9)
    ux, uy = (x1 - x0) / length, (y1 - y0) / length
    base = (x1 - ux * ARROW, y1 - uy * ARROW)
    half = ARROW * 0.45
    triangle = [(x1, y1), (base[0] - uy * half, base[1] + ux * half), (base[0] + uy * half, base[1] - ux * half)]
    return points[:-1] + [base], triangle


# --- SVG ------------------------------------------------------------------------------------------
def _svg_text(x, y, size, color, runs):
    spans = "".join(f'<tspan font-weight="bold">{escape(t)}</tspan>' if bold else f"<tspan>{escape(t)}</tspan>"
                    for t, bold in runs)
    return (f'<text x="{x:.2f}" y="{y:.2f}" text-anchor="middle" font-family="{SVG_FONT}" font-size="{size}" '
            f'fill="{color}">{spans}</text>')


def to_svg(drawing, title):
    """The drawing as an SVG document (graphviz's classes: graph, cluster, node, edge)."""
    w, h = drawing.width, drawing.height
    out = ['<?xml version="1.0" encoding="UTF-8" standalone="no"?>',
           f'<svg xmlns="http://www.w3.org/2000/svg" width="{w:.0f}pt" height="{h:.0f}pt" '
           f'viewBox="0 0 {w:.2f} {h:.2f}">',
           f'<g class="graph"><title>{escape(title)}</title>',
           f'<rect x="0" y="0" width="{w:.2f}" height="{h:.2f}" fill="white"/>']
    for name, x, y, cw, ch in drawing.clusters:
        out.append(f'<g class="cluster"><title>{escape(name)}</title>'
                   f'<rect x="{x:.2f}" y="{y:.2f}" width="{cw:.2f}" height="{ch:.2f}" fill="none" stroke="black" '
                   f'stroke-dasharray="5,2"/>'
                   f'<text x="{x + CLUSTER_PAD:.2f}" y="{y + CLUSTER_PAD + CLUSTER_FONT:.2f}" font-family="{SVG_FONT}" '
                   f'font-size="{CLUSTER_FONT}">{escape(name)}</text></g>')
    for node, x, y, bw, bh, cells in drawing.boxes:
        out.append(f'<g class="node" id={quoteattr("node-" + node.name)}><title>{escape(node.name)}</title>')
        out.append(f'<rect x="{x:.2f}" y="{y:.2f}" width="{bw:.2f}" height="{bh:.2f}" fill="black"/>')
        for cx, cy, cw, ch, size, cell in cells:
            out.append(f'<rect x="{cx + 1:.2f}" y="{cy + 1:.2f}" width="{cw - 2:.2f}" height="{ch - 2:.2f}" '
                       f'fill="{cell.fill}" stroke="black"/>')
            out.append(_svg_text(cx + cw / 2, cy + ch / 2 + 0.35 * size, size, cell.color, cell.runs))
        out.append("</g>")
    names = {node.key: node.name for node, *_ in drawing.boxes}
    for source, destination, points in drawing.edges:
        line, triangle = _arrowhead(points)
        path = "M" + " L".join(f"{x:.2f},{y:.2f}" for x, y in line)
        arrow = " ".join(f"{x:.2f},{y:.2f}" for x, y in triangle)
        out.append(f'<g class="edge"><title>{escape(names[source])}&#45;&gt;{escape(names[destination])}</title>'
                   f'<path d="{path}" fill="none" stroke="black" stroke-width="2"/>'
                   f'<polygon points="{arrow}" fill="black" stroke="black"/></g>')
    out.append("</g></svg>")
    return "\n".join(out) + "\n"


# --- matplotlib -----------------------------------------------------------------------------------
def _import_matplotlib():
    try:
        from matplotlib import rc_context
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.font_manager import FontProperties
        from matplotlib.patches import Polygon, Rectangle
        from matplotlib.textpath import TextToPath
    except ImportError:
        raise ImportError('plot_model needs matplotlib to write PNG, JPEG or PDF files when graphviz is not installed: '
                          '`pip install "densekit[plot]"` (or install pydot and graphviz, as Keras requires). An .svg '
                          "file needs neither.") from None
    return rc_context, FigureCanvasAgg, Figure, FontProperties, Polygon, Rectangle, TextToPath


def _matplotlib_measure(FontProperties, TextToPath):
    """Text widths in points with the font matplotlib will draw (DejaVu Sans unless configured)."""
    converter, cache = TextToPath(), {}

    def measure(text, size, bold):
        key = (text, size, bold)
        if key not in cache:
            font = FontProperties(size=size, weight="bold" if bold else "normal")
            def width(t):
                return converter.get_text_width_height_descent(t, font, ismath=False)[0] if t else 0.0
            # The ink's extent leaves out spaces at the ends, whose advance the next run needs.
            space = width("x x") - width("xx")
            stripped = text.strip(" ")
            cache[key] = width(stripped) + space * (len(text) - len(stripped)) if stripped else space * len(text)
        return cache[key]
    return measure


def _draw_matplotlib(graph, path, extension, rankdir, dpi, splines):
    rc_context, *modules = _import_matplotlib()
    # Without hinting, text widths scale with the dpi, so the runs measured at 72 dpi still fit.
    with rc_context({"text.hinting": "none"}):
        _draw_figure(modules, graph, path, extension, rankdir, dpi, splines)


def _draw_figure(modules, graph, path, extension, rankdir, dpi, splines):
    FigureCanvasAgg, Figure, FontProperties, Polygon, Rectangle, TextToPath = modules
    measure = _matplotlib_measure(FontProperties, TextToPath)
    drawing = layout(graph, rankdir, splines, measure)
    figure = Figure(figsize=(drawing.width / 72, drawing.height / 72), dpi=dpi)
    FigureCanvasAgg(figure)
    axes = figure.add_axes((0, 0, 1, 1))
    axes.set_xlim(0, drawing.width)
    axes.set_ylim(drawing.height, 0)
    axes.set_axis_off()
    for name, x, y, w, h in drawing.clusters:
        axes.add_patch(Rectangle((x, y), w, h, fill=False, edgecolor="black", linestyle=(0, (5, 2)), linewidth=1))
        axes.text(x + CLUSTER_PAD, y + CLUSTER_PAD + CLUSTER_FONT, name, fontsize=CLUSTER_FONT, va="baseline")
    for node, x, y, w, h, cells in drawing.boxes:
        axes.add_patch(Rectangle((x, y), w, h, facecolor="black", edgecolor="none"))
        for cx, cy, cw, ch, size, cell in cells:
            axes.add_patch(Rectangle((cx + 1, cy + 1), cw - 2, ch - 2, facecolor=cell.fill, edgecolor="black",
                                     linewidth=1))
            widths = [measure(t, size, bold) for t, bold in cell.runs]
            tx = cx + (cw - sum(widths)) / 2
            for (text, bold), width in zip(cell.runs, widths):
                axes.text(tx, cy + ch / 2, text, fontsize=size, fontweight="bold" if bold else "normal",
                          color=cell.color, va="center_baseline", ha="left")
                tx += width
    for _, _, points in drawing.edges:
        line, triangle = _arrowhead(points)
        axes.plot([p[0] for p in line], [p[1] for p in line], color="black", linewidth=2, solid_capstyle="butt")
        axes.add_patch(Polygon(triangle, closed=True, facecolor="black", edgecolor="black"))
    figure.savefig(path, format="jpeg" if extension == "jpg" else extension, dpi=dpi, facecolor="white")


def render(graph, path, extension, rankdir="TB", dpi=200, splines="ortho"):
    """Writes the graph to ``path``: SVG directly, other formats with matplotlib."""
    if extension not in FORMATS:
        raise ValueError(f"plot_model cannot write '{path}': without graphviz, densekit draws {list(FORMATS)} files "
                         f"(from the file's extension), not '{extension}'.")
    if extension == "svg":
        with open(path, "w", encoding="utf-8") as f:
            f.write(to_svg(layout(graph, rankdir, splines), graph.name))
        return
    _draw_matplotlib(graph, os.fspath(path), extension, rankdir, dpi, splines)
