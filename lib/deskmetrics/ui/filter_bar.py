"""A page's filter bar: the period, a dropdown per filter, and a line for what went wrong.

The Dashboard and the detailed tabs share it. A reader's change is checked (the period may not
end before it starts) and handed to the page's ``apply``; a change made by code (a pooled
kernel moving its ready page to the address a reader asked for) is not, since the page
refreshes once for the whole move.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, timedelta
from html import escape

import ipywidgets as w

from deskmetrics.access.viewer import Viewer
from deskmetrics.errors import AccessError
from deskmetrics.session import FilterOptions, Session
from deskmetrics.ui.client_choice import ClientChoice

ALL = ""
LABELS = {
    "client": "Client",
    "board": "Board",
    "category": "Category",
    "owner": "Technician",
    "team": "Team",
    "channel": "Channel",
}
EVERYONE = {
    "client": "All clients",
    "board": "All boards",
    "category": "All categories",
    "owner": "All technicians",
    "team": "All teams",
    "channel": "All channels",
}


def period_state(session: Session, names: Sequence[str], params: dict[str, str]) -> dict:
    """The period (default: the 30 days up to the last day with tickets) and the filters
    ``names``, from a page's parameters (missing or empty: the default)."""
    _, last = session.data_range()
    date_to, date_from = params.get("date_to"), params.get("date_from")
    to = date.fromisoformat(date_to) if date_to else (last or date.today())
    start = date.fromisoformat(date_from) if date_from else to - timedelta(days=29)
    return {"date_from": start, "date_to": to, **{k: params.get(k) or ALL for k in names}}


class FilterBar:
    """The widgets of a page's filters; ``apply(**state)`` is called on a reader's change."""

    def __init__(
        self,
        state: dict,
        names: Sequence[str],
        options: FilterOptions,
        viewer: Viewer,
        apply: Callable[..., None],
    ) -> None:
        self._apply = apply
        self._quiet = False  # True while the bar is moved by code, not by the reader
        self.date_from = w.DatePicker(value=state["date_from"], description="From")
        self.date_to = w.DatePicker(value=state["date_to"], description="To")
        self.date_from.add_class("dm-filter-from")
        self.date_to.add_class("dm-filter-to")
        choices = _choices(options)
        self.dropdowns: dict[str, w.Dropdown | ClientChoice] = {}
        self._known: dict[str, set[str]] = {}
        for name in names:
            known = {value for _, value in choices[name]}
            value = state[name] if state[name] in known else ALL
            if name == "client":
                fixed = not viewer.is_staff  # a client link shows its one client
                everyone = None if fixed else EVERYONE[name]
                dropdown = ClientChoice(choices[name], value, everyone=everyone, fixed=fixed)
            else:
                dropdown = w.Dropdown(
                    options=[(EVERYONE[name], ALL), *choices[name]],
                    value=value,
                    description=LABELS[name],
                )
            dropdown.add_class(f"dm-filter-{name}")
            self.dropdowns[name] = dropdown
            self._known[name] = known
        for widget in (self.date_from, self.date_to, *self.dropdowns.values()):
            widget.observe(self.submit, names="value")
        self.status = w.HTML("", layout=w.Layout(min_width="160px"))
        self.status.add_class("dm-status")
        self.widget = w.VBox(
            [
                w.HBox([self.date_from, self.date_to]),
                w.HBox(list(self.dropdowns.values())),
                self.status,
            ]
        )

    def submit(self, _change=None) -> None:
        """Apply what the bar shows, as a reader's change does."""
        if self._quiet:
            return
        start, end = self.date_from.value, self.date_to.value
        if start is None or end is None or end < start:
            self.status.value = "<i>Choose a start date on or before the end date.</i>"
            return
        self.status.value = "<i>Updating…</i>"
        try:
            self._apply(
                date_from=start,
                date_to=end,
                **{name: dropdown.value for name, dropdown in self.dropdowns.items()},
            )
        except AccessError as exc:  # a client link revoked or expired while the page was open
            self.status.value = f"<b>{escape(str(exc))}</b>"
            return
        self.status.value = ""

    def move_to(self, state: dict) -> None:
        """Show ``state`` without applying it (the page refreshes itself once)."""
        self._quiet = True
        try:
            self.date_from.value, self.date_to.value = state["date_from"], state["date_to"]
            for name, dropdown in self.dropdowns.items():
                dropdown.value = state[name] if state[name] in self._known[name] else ALL
        finally:
            self._quiet = False


def _choices(options: FilterOptions) -> dict[str, list[tuple[str, str]]]:
    """(label, value) pairs of every filter."""
    return {
        "client": options.clients,
        "board": [(b, b) for b in options.boards],
        "category": [(c, c) for c in options.categories],
        "owner": options.technicians,
        "team": [(t, t) for t in options.teams],
        "channel": [(c, c) for c in options.channels],
    }
