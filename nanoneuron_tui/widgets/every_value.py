"""Every value (v): each training point's terms, with the sums and means that make the cost, dW and dB.

The lesson states its means over all the training points and shows three of
them. This screen shows them all, so a student with a calculator can check
the cost, dW and dB, not only the update. The numbers come from
``core/lesson.py`` (the rows through neuron.py's own predict, the sums from
the summaries the trainer uses); this module only lays them out.

The table is drawn line by line (Textual's line API): only the rows in view
are ever computed and formatted, a page at a time, so a million points scroll
as easily as a hundred.
"""

from __future__ import annotations

import time

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.geometry import Size
from textual.screen import Screen
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Static

from nanoneuron_tui.core.data import DataSet
from nanoneuron_tui.core.lesson import (
    EpochExplained,
    Figures,
    PointTerms,
    Totals,
    gradient_closed_form,
    point_terms,
    term_columns,
    totals,
)
from nanoneuron_tui.widgets.key_bar import KeyBar

PAGE = 256  # rows computed at a time, as they come into view
KEPT_PAGES = 8
GAP = 2  # spaces between columns
HEADER_STYLE = Style(bold=True)
TOTAL_STYLE = Style(bold=True)
RULE_STYLE = Style(dim=True)
# While training runs at speed the table follows at most this often; a key shows at once.
AT_SPEED_INTERVAL = 1.0


class PointsTable(ScrollView, can_focus=True):
    """The rows of every training point between a header and the sums and means, which stay in view."""

    FIXED_LINES = 4  # the column titles at the top; a rule, the sums and the means at the bottom

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.data: DataSet | None = None
        self.lesson: EpochExplained | None = None
        self.figures = Figures()
        self.totals: Totals | None = None
        self.columns: tuple[tuple[str, str], ...] = ()
        self.widths: list[int] = []
        self.pages_computed = 0  # how many pages of rows were ever computed (tests look)
        self._pages: dict[int, tuple[PointTerms, ...]] = {}

    def show(self, data: DataSet, lesson: EpochExplained, figures: Figures) -> None:
        """The table for the neuron of ``lesson`` on ``data``."""
        first = self.data is None
        self.data, self.lesson, self.figures = data, lesson, figures
        self.totals = totals(data, lesson.w, lesson.b)
        self.columns = term_columns(lesson.normalized)
        self._pages.clear()  # the neuron moved: every term changes
        index_width = max(3, len(f"{len(data.x_train):,}"))
        widths = [index_width, *(len(title) for title, _ in self.columns)]
        for row in (self._total_cells("sum"), self._total_cells("mean"), *self._page_cells(0)):
            widths = [max(w, len(cell)) for w, cell in zip(widths, row)]
        if first or len(widths) != len(self.widths):
            self.widths = widths
        else:  # columns only grow while the table is open: no jumping about as the numbers change
            self.widths = [max(old, new) for old, new in zip(self.widths, widths)]
        self._resize_virtually()
        self.refresh()

    @property
    def count(self) -> int:
        return len(self.data.x_train) if self.data is not None else 0

    @property
    def rows_in_view(self) -> int:
        return max(0, self.scrollable_content_region.height - self.FIXED_LINES)

    @property
    def first_row_in_view(self) -> int:
        return int(self.scroll_y)

    def _resize_virtually(self) -> None:
        width = sum(self.widths) + GAP * (len(self.widths) - 1)
        self.virtual_size = Size(width, self.count + self.FIXED_LINES)

    # -- the cells, as text ----------------------------------------------------------------

    def _page(self, page: int) -> tuple[PointTerms, ...]:
        """One page of rows, computed when it first comes into view (a few are kept)."""
        rows = self._pages.get(page)
        if rows is None:
            assert self.data is not None and self.lesson is not None
            self.pages_computed += 1
            rows = point_terms(self.data, self.lesson.w, self.lesson.b, page * PAGE, (page + 1) * PAGE)
            if len(self._pages) >= KEPT_PAGES:
                self._pages.pop(next(iter(self._pages)))
            self._pages[page] = rows
        return rows

    def _page_cells(self, page: int) -> list[list[str]]:
        return [self._row_cells(row) for row in self._page(page)]

    def _row_cells(self, row: PointTerms) -> list[str]:
        return [f"{row.index + 1:,}", *(self.figures(getattr(row, name)) for _, name in self.columns)]

    def _total_cells(self, kind: str) -> list[str]:
        assert self.totals is not None
        totals = self.totals
        if kind == "sum":
            return ["sum", *(self.figures(totals.sum(name)) for _, name in self.columns)]
        return ["mean", *(self.figures(totals.means[name]) for _, name in self.columns)]

    def _line(self, cells: list[str], style: Style) -> Strip:
        text = (" " * GAP).join(cell.rjust(width) for cell, width in zip(cells, self.widths))
        return Strip([Segment(text, style)])

    # -- the line API ------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        height = self.scrollable_content_region.height
        width = self.scrollable_content_region.width
        if self.data is None:
            return Strip.blank(width)
        if y == 0:
            strip = self._line(["#", *(title for title, _ in self.columns)], HEADER_STYLE)
        elif y == height - 3:
            strip = Strip([Segment("─" * (sum(self.widths) + GAP * (len(self.widths) - 1)), RULE_STYLE)])
        elif y == height - 2:
            strip = self._line(self._total_cells("sum"), TOTAL_STYLE)
        elif y == height - 1:
            strip = self._line(self._total_cells("mean"), TOTAL_STYLE)
        else:
            index = self.first_row_in_view + y - 1
            if not (0 <= index < self.count and y < height - 3):
                return Strip.blank(width)
            page, offset = divmod(index, PAGE)
            strip = self._line(self._row_cells(self._page(page)[offset]), Style())
        scroll_x = int(self.scroll_x)
        return strip.crop(scroll_x, scroll_x + width).extend_cell_length(width)

    def visible_rows(self) -> list[str]:
        """The rows in view as plain text, as a person reads them (tests look)."""
        first = self.first_row_in_view
        rows = []
        for index in range(first, min(self.count, first + self.rows_in_view)):
            page, offset = divmod(index, PAGE)
            rows.append(self._line(self._row_cells(self._page(page)[offset]), Style()).text)
        return rows


class EveryValueScreen(Screen):
    """Every training point's terms, their sums and means, and dW, dB in closed form: v or Escape goes back."""

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", key_display="Esc"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._last_show = -float("inf")
        self._pending: tuple[DataSet, EpochExplained, int] | None = None
        self._timer = None
        self.shown_epoch: int | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="every-value-heading")
        yield PointsTable(id="every-value-table")
        yield Static(id="every-value-means")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one(PointsTable).focus()  # ↑ ↓ PgUp PgDn Home End scroll it; letters still reach the app

    def show(self, data: DataSet, lesson: EpochExplained, epoch: int, urgent: bool = True) -> None:
        """The table for the neuron at ``epoch``; training reports at speed are shown at most once a second."""
        wait = self._last_show + AT_SPEED_INTERVAL - time.monotonic()
        if urgent or wait <= 0:
            self._show(data, lesson, epoch)
            return
        self._pending = (data, lesson, epoch)
        if self._timer is None:
            self._timer = self.set_timer(wait, self._show_pending)

    def _show_pending(self) -> None:
        self._timer = None
        if self._pending is not None:
            self._show(*self._pending)

    def _show(self, data: DataSet, lesson: EpochExplained, epoch: int) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self._pending = None
        self._last_show = time.monotonic()
        self.shown_epoch = epoch
        figures, closed_form = gradient_closed_form(data, lesson)
        prime = "′" if lesson.normalized else ""
        table = self.query_one(PointsTable)
        table.border_title = f"Every value · epoch {epoch:,}"
        table.border_subtitle = f"{len(data.x_train):,} training points · ↑↓ PgUp PgDn Home End"
        self.query_one("#every-value-heading", Static).update(
            Text.assemble(
                (f"Epoch {epoch:,}", "bold"),
                f": w{prime} = {figures(lesson.w)}, b{prime} = {figures(lesson.b)}. Each row is one training point; "
                "the means at the bottom are the cost, dW and dB:",
            )
        )
        self.query_one("#every-value-means", Static).update(
            Text.assemble(
                ("cost", "bold"),
                f" = mean of (y − ŷ)²/2 = {figures(lesson.cost)}   ",
                ("dW", "bold"),
                f" = mean of (y − ŷ)·x{prime} = {figures(lesson.dW)}   ",
                ("dB", "bold"),
                f" = mean of y − ŷ = {figures(lesson.dB)}\n",
                ("Without the table: ", "italic"),
                closed_form[0],
                "\n",
                closed_form[1],
            )
        )
        table.show(data, lesson, figures)
