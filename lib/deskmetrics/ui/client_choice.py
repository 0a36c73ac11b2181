"""The Client filter: a drop-down list, or a search box when the MSP has thousands of clients.

A list of 6,000 clients costs every page about a second of the browser's time to draw, and
nobody scrolls it. Past the list limit the filter is a box that suggests the clients whose
names hold what has been typed, and applies when the text is one client's name; an empty box
means every client. Either way the widget's ``value`` is a client id ("" for every client),
so pages read and set it like a drop-down's.
"""

from __future__ import annotations

import os

import ipywidgets as w
import traitlets

LIMIT_ENV = "DESKMETRICS_CLIENT_LIST_LIMIT"
DEFAULT_LIST_LIMIT = 300
SUGGESTIONS = 20
EVERY = ""


def list_limit() -> int:
    """How many clients a drop-down lists before the filter becomes a search box."""
    raw = os.environ.get(LIMIT_ENV, "")
    try:
        return int(raw) if raw else DEFAULT_LIST_LIMIT
    except ValueError:
        raise ValueError(f"${LIMIT_ENV} must be a whole number of clients, not {raw!r}") from None


def unique_labels(clients: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(label, client id) with each label naming one client: a repeated name gets its id."""
    seen: dict[str, int] = {}
    for name, _ in clients:
        seen[name] = seen.get(name, 0) + 1
    return [(f"{name} ({cid})" if seen[name] > 1 else name, cid) for name, cid in clients]


class ClientChoice(w.VBox):
    """One client, or every client (``everyone`` names that choice; None: a client must be
    chosen). ``fixed``: shown, not changeable (a client link)."""

    value = traitlets.Unicode(EVERY)

    def __init__(
        self,
        clients: list[tuple[str, str]],
        value: str = EVERY,
        *,
        description: str = "Client",
        everyone: str | None = "All clients",
        fixed: bool = False,
        limit: int | None = None,
    ) -> None:
        self._labels = unique_labels(clients)
        self._by_label = {label.casefold(): cid for label, cid in self._labels}
        self._by_id = {cid: label for label, cid in self._labels}
        limit = list_limit() if limit is None else limit
        search = not fixed and len(self._labels) > limit
        if value not in self._by_id:
            # a list without "every client" starts on its first client; a search box, empty
            first = everyone is None and self._labels and not search
            value = self._labels[0][1] if first else EVERY
        if search:
            self.box = w.Combobox(
                value=self._by_id.get(value, ""),
                options=self.suggestions(""),
                placeholder=f"{everyone}: type a name" if everyone else "Type a client's name",
                description=description,
                ensure_option=False,
            )
            self.box.observe(self._typed, names="value")
        else:
            listed = [*([(everyone, EVERY)] if everyone else []), *self._labels]
            self.box = w.Dropdown(
                options=listed, value=value, description=description, disabled=fixed
            )
            self.box.observe(self._listed, names="value")
        super().__init__([self.box], value=value)
        self.observe(self._moved, names="value")

    @property
    def is_search(self) -> bool:
        return isinstance(self.box, w.Combobox)

    @property
    def offers(self) -> set[str]:
        """The client ids it can show, and "" for every client."""
        return {EVERY, *self._by_id}

    def label(self, client_id: str) -> str:
        return self._by_id.get(client_id, "")

    def suggestions(self, text: str) -> list[str]:
        """The first clients whose label holds ``text`` (any case), in list order."""
        wanted = text.strip().casefold()
        hits = (label for label, _ in self._labels if wanted in label.casefold())
        return [label for _, label in zip(range(SUGGESTIONS), hits, strict=False)]

    # the box and ``value`` follow each other; each side only moves when it differs
    def _typed(self, change) -> None:
        text = change["new"].strip()
        if not text:
            self.value = EVERY
            return
        client_id = self._by_label.get(text.casefold())
        if client_id is not None:
            self.value = client_id
        else:
            self.box.options = self.suggestions(text)

    def _listed(self, change) -> None:
        self.value = change["new"] if change["new"] is not None else EVERY

    def _moved(self, change) -> None:
        if self.is_search:
            shown = self.box.value.strip().casefold()
            if self._by_label.get(shown, EVERY if not shown else None) != change["new"]:
                self.box.value = self._by_id.get(change["new"], "")
        elif self.box.value != change["new"]:
            self.box.value = change["new"]
