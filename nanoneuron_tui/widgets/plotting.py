"""A plotext figure drawn into a Textual widget.

plotext 6 builds a figure as text with ANSI colours; Rich turns that into a
``Text``. The widget rebuilds the picture only when its inputs or its size
change, and refreshes the screen only when the picture itself differs: a
plot that looks the same sends nothing over the wire.

A picture is built in a thread, and until it is ready the plot keeps showing
the last one, with its titles: on a busy machine a plot is late, never blank,
and keys are answered meanwhile. Before its first picture a plot shows its
name and a word saying it is on its way.
"""

from __future__ import annotations

import math
import re
import threading
import time
from dataclasses import dataclass
from functools import lru_cache

from rich.color import Color
from rich.style import Style
from rich.text import Span, Text
from textual import work
from textual.geometry import Region
from textual.message import Message
from textual.widget import Widget

# plotext keeps one global figure; two plots drawing at once must take turns.
_FIGURE_LOCK = threading.Lock()

# 256-colour palette indexes: readable on dark and light backgrounds alike,
# and fixed, so snapshots do not depend on a theme.
TRAIN_COLOUR = 39  # blue
TEST_COLOUR = 208  # orange
LINE_COLOUR = 170  # magenta
POINT_COLOUR = 244  # grey
GHOST_COLOUR = 241  # a fainter grey: a pinned run, for comparison
GHOST_HEX = "626262"  # the same grey, for border titles

# A redraw sends every cell of the plot, so a large plot redraws less often:
# the bytes a plot costs per second stay about the same at any size.
PLOT_CELLS_PER_SECOND = 1500


def nice_step(span: float, count: int) -> float:
    """A round tick step (1, 2 or 5 times a power of ten) giving about ``count`` ticks."""
    if not span > 0:
        return 1.0
    raw = span / max(1, count)
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


_SUFFIXES = ((1e9, "G"), (1e6, "M"), (1e3, "k"))


def short_number(value: float) -> str:
    """Tick labels that fit: 70000 -> 70k, 1500000 -> 1.5M."""
    for size, suffix in _SUFFIXES:
        if abs(value) >= size:
            return f"{value / size:g}{suffix}"
    return f"{value:g}"


def tick_labels(positions: list[float], step: float) -> list[str]:
    """Short labels (70k, 1.5M), with as many decimals as it takes to tell neighbours apart:
    ticks 20 epochs apart near epoch 20,346,000 read 20.34602M, 20.34604M, not 20.346M thrice."""
    labels = [short_number(p) for p in positions]
    if len(set(labels)) == len(labels):
        return labels
    precise = []
    for position in positions:
        size, suffix = next(((s, x) for s, x in _SUFFIXES if abs(position) >= s), (1.0, ""))
        decimals = max(0, -math.floor(math.log10(step / size)))
        text = f"{position / size:.{decimals}f}"
        precise.append((text.rstrip("0").rstrip(".") if "." in text else text) + suffix)
    return precise


def linear_ticks(low: float, high: float, count: int) -> tuple[list[float], list[str]]:
    step = nice_step(high - low, count)
    first = math.ceil(low / step) * step
    positions = [first + i * step for i in range(int((high - first) / step + 1e-9) + 1)]
    return positions, tick_labels(positions, step)


_PLOTTING_IMPORTED = threading.Event()


def import_plotting() -> None:
    """Import what the plots draw with, after which they draw: plotext (which builds its
    documentation as it is imported, about 0.2 s) and numpy, for the cost surface (0.1 s).

    The app does it in a thread once its first frame is out, so the frame is not kept
    waiting and keys work meanwhile."""
    import numpy  # noqa: F401
    import plotext  # noqa: F401

    _PLOTTING_IMPORTED.set()


def draw(width: int, height: int, paint) -> Text:
    """Build a figure of ``width`` x ``height`` cells with ``paint(figure)``, as Rich Text."""
    # Imported on the first drawing, not with the app: importing plotext builds
    # its documentation (about 0.2 s), which would delay the first frame.
    import plotext

    with _FIGURE_LOCK:
        figure = plotext.figure
        figure.clear()
        figure.theme("simple")
        figure.plot_size(width, height)
        paint(figure)
        ansi = str(figure.build())
    return plotext_text(ansi)


_SGR = re.compile(r"\x1b\[([0-9;]*)m")


@lru_cache(maxsize=512)
def _plot_style(colour: int | None, bold: bool) -> Style:
    return Style(color=Color.from_ansi(colour) if colour is not None else None, bold=bold or None)


def plotext_text(ansi: str) -> Text:
    """plotext's output as Rich Text, without its backgrounds (the plot sits on the app's own).

    plotext writes only resets, bold and 256-colour foregrounds and backgrounds;
    reading just those is several times quicker than Rich's general ANSI
    decoder, which took a fifth of a plot's drawing. Anything else goes to that
    decoder after all.
    """
    parts: list[str] = []
    spans: list[Span] = []
    offset = position = 0
    colour: int | None = None
    bold = False
    for match in _SGR.finditer(ansi):
        chunk = ansi[position : match.start()]
        if chunk:
            parts.append(chunk)
            if colour is not None or bold:
                spans.append(Span(offset, offset + len(chunk), _plot_style(colour, bold)))
            offset += len(chunk)
        position = match.end()
        codes = match.group(1).split(";") if match.group(1) else ["0"]
        index = 0
        while index < len(codes):
            code = codes[index]
            if code in ("0", ""):
                colour, bold = None, False
            elif code == "1":
                bold = True
            elif code in ("38", "48") and codes[index + 1 : index + 2] == ["5"] and index + 2 < len(codes):
                if code == "38":
                    colour = int(codes[index + 2])
                index += 2  # a background is dropped
            else:
                return _decoded(ansi)
            index += 1
    tail = ansi[position:]
    if tail:
        parts.append(tail)
        if colour is not None or bold:
            spans.append(Span(offset, offset + len(tail), _plot_style(colour, bold)))
    return Text("".join(parts), spans=spans, no_wrap=True, end="")


def _decoded(ansi: str) -> Text:
    """Rich's own reading of ``ansi``, backgrounds dropped."""
    text = Text.from_ansi(ansi, no_wrap=True, end="")
    text.spans = [
        Span(span.start, span.end, Style(color=span.style.color, bold=span.style.bold))
        if isinstance(span.style, Style) and span.style.bgcolor is not None
        else span
        for span in text.spans
    ]
    return text


def marker(colour: int, symbol: str = "hd"):
    import plotext  # already imported by draw(), which is the only caller's caller

    return plotext.marker(symbol, pixel=colour)


def cell_styles(line: Text) -> list[tuple]:
    """The styles on each character of ``line``, in the order they apply."""
    styles: list[list] = [[] for _ in line.plain]
    for span in line.spans:
        for index in range(max(0, span.start), min(len(styles), span.end)):
            styles[index].append(span.style)
    return [tuple(style) for style in styles]


def changed_stretch(before: Text, after: Text) -> tuple[int, int] | None:
    """From the first character that differs (in itself or its style) to the last, or None."""
    if before.plain == after.plain and before.spans == after.spans and before.style == after.style:
        return None
    if before.style != after.style:  # the whole line's own style changed
        return 0, max(len(before.plain), len(after.plain))
    old = list(zip(before.plain, cell_styles(before)))
    new = list(zip(after.plain, cell_styles(after)))
    shorter = min(len(old), len(new))
    start = next((i for i in range(shorter) if old[i] != new[i]), shorter)
    end = max(len(old), len(new))
    if len(old) == len(new):
        end -= next((i for i in range(end - start) if old[end - 1 - i] != new[end - 1 - i]), end - start)
    return (start, end) if end > start else None


def changed_regions(old: list[Text], new: list[Text]) -> list[Region]:
    """The stretch of each line where ``new`` differs from ``old`` (characters or styles).

    Only those cells are repainted: a marker that moved, or a style run that grew by a
    cell, costs a few cells, not the line (characters here are one cell wide: braille,
    box drawing, digits).
    """
    regions = []
    for row in range(max(len(old), len(new))):
        stretch = changed_stretch(old[row] if row < len(old) else Text(), new[row] if row < len(new) else Text())
        if stretch is not None:
            regions.append(Region(stretch[0], row, stretch[1] - stretch[0], 1))
    return regions


@dataclass(frozen=True)
class PictureRequest:
    """A picture to build: what it shows, at which size, with which titles."""

    key: object  # (width, height, picture_key): equal keys, equal pictures
    picture_key: object
    inputs: object
    width: int
    height: int
    titles: tuple[str, str] | None


class PlotWidget(Widget):
    """Base for the plots: subclasses say what to draw from their inputs."""

    DEFAULT_CSS = "PlotWidget { height: 1fr; }"
    TITLE = ""  # the pane's name until its first picture brings the full titles
    WAITING = "drawing…"  # shown, dim and centred, until the first picture is ready

    class PictureReady(Message, bubble=False):
        """A picture built in a thread, for the plot to show."""

        def __init__(self, request: PictureRequest, picture: Text) -> None:
            super().__init__()
            self.request, self.picture = request, picture

    def __init__(self, min_interval: float = 0.0, **kwargs) -> None:
        super().__init__(**kwargs)
        self.min_interval = min_interval  # seconds between redraws: a plot is many bytes
        self._inputs: object = None
        self._key: object = None  # the key of the picture on screen
        self._building: object = None  # the key of the picture being built, if one is
        self._wanted: PictureRequest | None = None  # asked for after that one: built next
        self._picture: Text = Text()
        self._last_rebuild = -math.inf
        self._deferred = None
        self._lines: list[Text] = []  # the picture's lines, to find what changed
        self._drawn_size: tuple[int, int] | None = None
        self._titles: tuple[str, str] | None = None

    @property
    def drawn(self) -> bool:
        """The latest picture asked for is on screen, none is being built (tests wait for it)."""
        return self._key is not None and self._building is None and self._wanted is None

    def on_mount(self) -> None:
        if self.TITLE and not self.border_title:
            self.border_title = self.TITLE

    def plot(self, inputs: object, urgent: bool = False) -> None:
        """Give the plot new data; the screen changes only if the picture does.

        Training updates are paced; ``urgent`` ones (a key press) are drawn at once.
        """
        self._inputs = inputs
        width, height = self.content_size
        interval = max(self.min_interval, width * height / PLOT_CELLS_PER_SECOND)
        wait = self._last_rebuild + interval - time.monotonic()
        if wait <= 0 or urgent:
            self._rebuild()
        elif self._deferred is None:
            # Too soon: draw the latest data once the interval is up.
            self._deferred = self.set_timer(wait, self._rebuild)

    def on_resize(self) -> None:
        self._rebuild()

    def _rebuild(self) -> None:
        if self._deferred is not None:
            self._deferred.stop()
        self._deferred = None
        self._last_rebuild = time.monotonic()
        width, height = self.content_size
        if self._inputs is None or width < 12 or height < 4:
            return
        if not _PLOTTING_IMPORTED.is_set():
            return  # drawn once the app has imported what plots draw with (see import_plotting)
        inputs, picture_key = self._inputs, self.picture_key(self._inputs)
        key = (width, height, picture_key)
        if key == (self._building if self._building is not None else self._key):
            self._wanted = None  # on screen, or on its way: nothing newer to build
            return
        self._wanted = PictureRequest(key, picture_key, inputs, width, height, self.titles_for(picture_key))
        if self._building is None:
            self._build_wanted()

    def _build_wanted(self) -> None:
        request, self._wanted = self._wanted, None
        if request is None:
            return
        self._building = request.key
        self._build_in_thread(request)

    @work(thread=True, group="plot-pictures")
    def _build_in_thread(self, request: PictureRequest) -> None:
        picture = self.build(request.width, request.height, request.picture_key, request.inputs)
        self.post_message(self.PictureReady(request, picture))  # never blocks, even if the app is leaving

    def on_plot_widget_picture_ready(self, ready: PictureReady) -> None:
        """Show a built picture and its titles together, then build what was asked for meanwhile."""
        request, picture = ready.request, ready.picture
        self._building = None
        self._key = request.key
        # Setting a title repaints the whole pane, and reading it back gives other markup
        # than was set: so compare with what was set last.
        if request.titles is not None and request.titles != self._titles:
            self._titles = request.titles
            self.border_title, self.border_subtitle = request.titles
        if picture.plain != self._picture.plain or picture.spans != self._picture.spans:
            old_lines, self._picture = self._lines, picture
            self._lines = picture.split("\n", allow_blank=True)
            size = (request.width, request.height)
            if self._drawn_size != size:
                self._drawn_size = size
                self.refresh()
            else:
                # Only the cells that changed go to the terminal: a growing path or a
                # moving line is a few cells, not the whole plot.
                self.refresh(*changed_regions(old_lines, self._lines))
        self._build_wanted()

    def release(self) -> None:
        """Draw from now on, importing what plots draw with first if need be."""
        import_plotting()
        self._rebuild()

    def picture_key(self, inputs: object) -> object:
        """What the picture depends on; equal keys mean no rebuild."""
        return inputs

    def titles_for(self, key) -> tuple[str, str] | None:
        """The pane's border title and subtitle (a legend, say) for this picture (None: leave them)."""
        return None

    def build(self, width: int, height: int, key, inputs: object = None) -> Text:
        """The picture for ``key`` at this size (plotext plots paint a figure)."""
        return draw(width, height, lambda figure: self.paint(figure, inputs, key, width, height))

    def paint(self, figure, inputs, key, width: int, height: int) -> None:  # pragma: no cover - abstract
        """Draw ``inputs`` on ``figure``; ``key`` is what picture_key made of them."""
        raise NotImplementedError

    def render(self) -> Text:
        width, height = self.content_size
        if self._key is None and self.WAITING and width >= 12 and height >= 4:  # no picture yet: one is coming
            return Text("\n" * (height // 2) + self.WAITING.center(width).rstrip(), style="dim", end="")
        return self._picture


# Braille cells hold 2 x 4 dots; bit of the dot at (column, row) within a cell.
_BRAILLE_BITS = ((0x01, 0x02, 0x04, 0x40), (0x08, 0x10, 0x20, 0x80))


# The character for each byte of dot bits; no dots is a plain space. As a translation
# table, a row of bytes becomes its characters in one call.
_CELLS = [" "] + [chr(0x2800 + bits) for bits in range(1, 256)]
_TO_CELLS = dict(enumerate(_CELLS))


class DotCanvas:
    """A grid of braille cells on which layers of dots are drawn; a higher layer wins a cell.

    The picture is plain data until ``lines``, so it is easy to test and cheap
    to build: one byte of dot bits per cell and layer. ``styles`` gives each
    dot layer its Rich style, lowest layer first.
    """

    def __init__(self, columns: int, rows: int, styles: list[str]) -> None:
        self.columns, self.rows = columns, rows
        self.width, self.height = 2 * columns, 4 * rows  # in dots
        self.styles = styles
        self._bits = [bytearray(columns * rows) for _ in styles]
        self._glyphs: dict[tuple[int, int], tuple[str, int, str]] = {}  # whole-cell markers, by cell

    def dot(self, x: int, y: int, layer: int) -> None:
        if 0 <= x < self.width and 0 <= y < self.height:
            self._bits[layer][(y >> 2) * self.columns + (x >> 1)] |= _BRAILLE_BITS[x & 1][y & 3]

    def dots(self, xs: list[int], ys: list[int], layer: int) -> None:
        """``dot`` for every (x, y) at once, with numpy: thousands of contour dots in one go."""
        import numpy as np

        x, y = np.asarray(xs, dtype=np.int64), np.asarray(ys, dtype=np.int64)
        inside = (x >= 0) & (x < self.width) & (y >= 0) & (y < self.height)
        x, y = x[inside], y[inside]
        cells = (y >> 2) * self.columns + (x >> 1)
        bits = np.asarray(_BRAILLE_BITS, dtype=np.uint8)[x & 1, y & 3]
        np.bitwise_or.at(np.frombuffer(self._bits[layer], dtype=np.uint8), cells, bits)

    def layer_bits(self, layer: int) -> bytes:
        """A layer's dots, to keep and put back with ``set_layer_bits`` (a cached part of a picture)."""
        return bytes(self._bits[layer])

    def set_layer_bits(self, layer: int, bits: bytes) -> None:
        if len(bits) != self.columns * self.rows:
            raise ValueError(f"{len(bits)} cells of dots for a canvas of {self.columns * self.rows}")
        self._bits[layer] = bytearray(bits)

    def line(self, start: tuple[int, int], end: tuple[int, int], layer: int) -> None:
        """Dots from ``start`` to ``end`` with no gaps (Bresenham's walk)."""
        (x, y), (x_end, y_end) = start, end
        dx, dy = abs(x_end - x), -abs(y_end - y)
        step_x, step_y = (1 if x_end > x else -1), (1 if y_end > y else -1)
        error = dx + dy
        # A path thrown far off the canvas is cut short rather than walked dot by dot.
        for _ in range(min(dx - dy, 4 * (self.width + self.height)) + 1):
            self.dot(x, y, layer)
            if (x, y) == (x_end, y_end):
                break
            doubled = 2 * error
            if doubled >= dy:
                error += dy
                x += step_x
            if doubled <= dx:
                error += dx
                y += step_y

    def glyph(self, x: int, y: int, text: str, style: str, layer: int) -> None:
        """A character over the whole cell holding dot (x, y); it hides dot layers up to ``layer``
        and glyphs of lower layers."""
        if 0 <= x < self.width and 0 <= y < self.height:
            cell = (x >> 1, y >> 2)
            if cell not in self._glyphs or self._glyphs[cell][1] <= layer:
                self._glyphs[cell] = (text, layer, style)

    def lines(self) -> list[list[tuple[str, str]]]:
        """Each row as runs of (text, style): neighbouring cells of one style share a run."""
        import numpy as np

        columns, rows = self.columns, self.rows
        layers = np.frombuffer(b"".join(self._bits), dtype=np.uint8).reshape(len(self._bits), rows, columns)
        # Each cell shows its highest layer with dots: that layer's bits, in that layer's style.
        top = np.full((rows, columns), -1, dtype=np.int64)
        for layer in range(len(self._bits)):
            top = np.where(layers[layer] != 0, layer, top)
        bits = np.take_along_axis(layers, np.maximum(top, 0)[None], axis=0)[0]
        bits = np.where(top >= 0, bits, 0).astype(np.uint8)
        chars = [row.tobytes().decode("latin-1").translate(_TO_CELLS) for row in bits]
        # Each cell's style as an index into ``styles``: its layer's, none, or its marker's.
        styles = [*self.styles, ""]
        style_of = np.where(top >= 0, top, len(self.styles))
        for (column, row), (text, layer, style) in self._glyphs.items():
            if layer >= top[row, column]:
                chars[row] = chars[row][:column] + text + chars[row][column + 1 :]
                style_of[row, column] = len(styles)
                styles.append(style)
        lines = []
        for row in range(rows):
            codes = style_of[row]
            starts = [0, *(np.flatnonzero(codes[1:] != codes[:-1]) + 1).tolist(), columns]
            text = chars[row]
            lines.append([(text[a:b], styles[codes[a]]) for a, b in zip(starts, starts[1:])])
        return lines
