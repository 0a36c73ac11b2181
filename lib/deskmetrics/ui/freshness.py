"""The freshness bar at the top of every tab: how current each source is, and for staff a
button that refreshes the data in the background while everyone keeps reading.

Times are shown in the settings' time zone; source names and whatever a job recorded are data,
so they are escaped. The refresh itself is ``deskmetrics.refresh``: a detached job shared by
every dashboard kernel, so a bar opened while someone else's refresh runs follows that one.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path
from zoneinfo import ZoneInfo

import ipywidgets as w

from deskmetrics.errors import DeskmetricsError
from deskmetrics.health.audit import default_actor
from deskmetrics.refresh import RefreshStatus, refresh_status, start_refresh
from deskmetrics.session import Session
from deskmetrics.warehouse.freshness import SourceFreshness

log = logging.getLogger(__name__)

STALE_AFTER = timedelta(hours=24)  # a source older than this is flagged
POLL_SECONDS = 2.0  # how often a bar looks at a running refresh

STYLE = """<style>
.dm-freshness{font:13px Inter,Segoe UI,Helvetica,Arial,sans-serif;color:#374151;
  align-items:center;gap:12px;margin:0 0 8px}
.dm-freshness .dm-stale{color:#b45309;font-weight:600}
.dm-freshness .dm-missing{color:#b91c1c}
.dm-refresh-status{color:#6b7280}
.dm-refresh-status .dm-refresh-failed{color:#b91c1c}
</style>"""


def as_of_line(entries: list[SourceFreshness], zone: ZoneInfo, now: datetime | None = None) -> str:
    """'Data as of: cw 25 Nov 2026 14:02 · crewhu 25 Nov 2026 13:58 (America/New_York)'."""
    if not entries:
        return '<span class="dm-as-of">Data as of: no data loaded yet</span>'
    now = now or datetime.now(UTC)
    parts = [_source_part(entry, zone, now) for entry in entries]
    return (
        f'<span class="dm-as-of">Data as of: {" · ".join(parts)} ({escape(str(zone.key))})</span>'
    )


def _source_part(entry: SourceFreshness, zone: ZoneInfo, now: datetime) -> str:
    name = escape(entry.name)
    if entry.last_success_at is None:
        return f'{name} <span class="dm-missing">never synced completely</span>'
    text = f"{name} {_moment(entry.last_success_at, zone)}"
    if now - entry.last_success_at > STALE_AFTER:
        hours = int(STALE_AFTER.total_seconds() // 3600)
        text += f' <span class="dm-stale" title="not refreshed for over {hours} h">(stale)</span>'
    if entry.never_succeeded:
        streams = escape(", ".join(entry.never_succeeded))
        text += f' <span class="dm-missing">({streams} never completed)</span>'
    return text


def freshness_html(session: Session, *, now: datetime | None = None) -> str:
    """The as-of line on its own, for static pages and reports."""
    line = as_of_line(session.freshness(), session.settings.zone, now)
    return f'{STYLE}<div class="dm-freshness">{line}</div>'


def status_line(status: RefreshStatus, zone: ZoneInfo) -> str:
    """What the latest refresh is doing or how it ended; empty when none ever ran."""
    by = escape(status.started_by or "unknown")
    if status.running:
        since = _clock(status.started_at, zone) if status.started_at else "just now"
        return (
            f"Refreshing since {since} (started by {by})… "
            "readers see the current data until it finishes"
        )
    if status.finished_at is None:
        return ""
    at = _clock(status.finished_at, zone)
    if status.ok:
        return f"Last refresh finished at {at} (started by {by})."
    return (
        f'<span class="dm-refresh-failed">The refresh started by {by} failed at {at}: '
        f"{escape(status.message or 'no message recorded')}</span>"
    )


class FreshnessBar:
    """The bar's widget; ``on_refreshed`` is called (from a background thread) when a refresh
    this bar watched has ended, so the page can redraw with the new data."""

    def __init__(
        self,
        session: Session,
        *,
        can_refresh: bool,
        on_refreshed: Callable[[], None] | None = None,
        state_dir: str | Path | None = None,
        sources_file: str | Path | None = None,
        actor: str | None = None,
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        self.session = session
        self.can_refresh = can_refresh
        self.on_refreshed = on_refreshed
        self.state_dir, self.sources_file = state_dir, sources_file
        self.actor = actor or default_actor()
        self.poll_seconds = poll_seconds
        self._poller: threading.Thread | None = None
        self._lock = threading.Lock()
        self.as_of = w.HTML(self._as_of_value())
        self.button = w.Button(description="Refresh data", icon="refresh", tooltip=_TOOLTIP)
        self.button.add_class("dm-refresh-button")
        self.status = w.HTML()
        self.status.add_class("dm-refresh-status")
        children = [self.as_of, self.button, self.status] if can_refresh else [self.as_of]
        self.widget = w.HBox(children, layout=w.Layout(flex_flow="row wrap"))
        self.widget.add_class("dm-freshness")
        if can_refresh:
            self.button.on_click(self._clicked)
            self._show(refresh_status(state_dir))  # someone else's refresh may be running

    def refresh(self) -> RefreshStatus:
        """Start a refresh (or join the running one) and follow it until it ends."""
        if not self.can_refresh:
            raise PermissionError("this freshness bar was built without can_refresh")
        status = start_refresh(
            actor=self.actor,
            warehouse_url=self.session.warehouse.url,
            config=self.session.config_path,
            sources_file=self.sources_file,
            state_dir=self.state_dir,
        )
        self._show(status)
        return status

    def _clicked(self, _button: w.Button) -> None:
        try:
            self.refresh()
        except (DeskmetricsError, OSError) as exc:  # e.g. a bad warehouse URL, a full disk
            self.status.value = f'<span class="dm-refresh-failed">{escape(str(exc))}</span>'

    def _show(self, status: RefreshStatus) -> None:
        self.status.value = status_line(status, self.session.settings.zone)
        self.button.disabled = status.running
        if status.running:
            self._follow()

    def _follow(self) -> None:
        with self._lock:
            if self._poller is not None and self._poller.is_alive():
                return
            self._poller = threading.Thread(target=self._poll, daemon=True)
            self._poller.start()

    def _poll(self) -> None:
        while True:
            time.sleep(self.poll_seconds)
            status = refresh_status(self.state_dir)
            if not status.running:
                break
        try:
            self.as_of.value = self._as_of_value()
        except Exception:  # a page must not die with its refresh thread; the line keeps the old
            log.exception("could not read the new freshness after a refresh")
        self.status.value = status_line(status, self.session.settings.zone)
        self.button.disabled = False
        if self.on_refreshed is not None:
            try:
                self.on_refreshed()
            except Exception:
                log.exception("on_refreshed failed after a refresh")

    def _as_of_value(self) -> str:
        return STYLE + as_of_line(self.session.freshness(), self.session.settings.zone)


_TOOLTIP = "Sync every configured source now; the dashboards keep the current data until it ends"


def _moment(when: datetime, zone: ZoneInfo) -> str:
    local = when.astimezone(zone)
    return f"{local.day} {local:%b %Y %H:%M}"


def _clock(when: datetime, zone: ZoneInfo) -> str:
    return when.astimezone(zone).strftime("%H:%M")


def page_freshness(session: Session, viewer, on_refreshed: Callable[[], None]) -> FreshnessBar:
    """The bar at the top of a dashboard page: staff may refresh, client links only read."""
    from deskmetrics.ui.page_request import current_user

    return FreshnessBar(
        session, can_refresh=viewer.is_staff, on_refreshed=on_refreshed, actor=current_user()
    )
