"""Print report HTML to PDF and to chart images with one headless Chromium for many documents.

Starting Chromium costs far more than printing one page, so a ``Printer`` launches it once and
opens a fresh page per document. Pages may load only local files: a report must be
self-contained (see ``deskmetrics.reports.html.export_html``), and a print job must never hang
on, or leak requests to, the network.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from deskmetrics.errors import DeskmetricsError

DEBIAN_CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PAGE_MARGIN_MM = 12
FOOTER_MM = 10
# lay the page out at A4's printable width so responsive charts draw at the width they print at
PRINT_WIDTH_PX = round((210 - 2 * PAGE_MARGIN_MM) / 25.4 * 96)
EMAIL_WIDTH_PX = 720
LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:")

# every H2 but the first opens a page; a chart is never cut in two; a heading stays with its content
PRINT_CSS = """
.dm-page-break { break-before: page; }
.js-plotly-plot, .plotly-graph-div, .jp-OutputArea-output:has(.plotly-graph-div) {
  break-inside: avoid;
}
h1, h2, h3 { break-after: avoid; }
.anchor-link { display: none; }
"""
MARK_PAGE_BREAKS = """() => {
  Array.from(document.querySelectorAll('h2')).slice(1).forEach(
    h => h.classList.add('dm-page-break'));
}"""
CHARTS = ".plotly-graph-div, .js-plotly-plot"
CHARTS_DRAWN = f"""() => {{
  const charts = Array.from(document.querySelectorAll('{CHARTS}'));
  return charts.every(c => c.querySelector('.main-svg') && c._fullLayout);
}}"""
CHART_STATUS = f"""() => {{
  const charts = Array.from(document.querySelectorAll('{CHARTS}'));
  return {{
    total: charts.length,
    drawn: charts.filter(c => c.querySelector('.main-svg') && c._fullLayout).length,
    plotly: typeof window.Plotly !== 'undefined',
  }};
}}"""
FOOTER = (
    '<div style="font-size:8px;width:100%;padding:0 12mm;display:flex;'
    'justify-content:space-between;color:#666"><span class="title"></span>'
    '<span><span class="pageNumber"></span> / <span class="totalPages"></span></span></div>'
)


class PrintError(DeskmetricsError):
    """Chromium is missing or a document cannot be printed; the message says what to fix."""


class ChartTimeoutError(PrintError):
    """A document's Plotly charts did not all draw in time."""


def chromium_candidates() -> list[tuple[str, Path | None]]:
    """Where Chromium is looked for, in order; ``None`` stands for Playwright's own browser."""
    configured = os.environ.get("DESKMETRICS_CHROMIUM")
    if configured:
        return [("DESKMETRICS_CHROMIUM", Path(configured))]
    return [("Debian chromium", DEBIAN_CHROMIUM), ("Playwright's own Chromium", None)]


def _chromium_path() -> Path | None:
    for _, path in chromium_candidates():
        if path is None or path.is_file():
            return path
    raise PrintError(_not_found("no file there"))


def _not_found(reason: str) -> str:
    tried = ", ".join(
        f"{label} at {path or 'its install directory'}" for label, path in chromium_candidates()
    )
    return (
        f"Chromium not found or did not start (tried {tried}: {reason}); install it with "
        "`apt-get install chromium`, or set DESKMETRICS_CHROMIUM to a Chromium executable"
    )


class Printer:
    """One headless Chromium, reused for every document printed inside the ``with`` block.

    Playwright's sync API refuses to run where an asyncio loop is running (Jupyter, another
    Playwright user), so the browser lives on a thread of its own and calls are handed to it.
    """

    def __init__(self, *, timeout: float = 30.0) -> None:
        self.timeout = timeout
        self.launch_seconds: float | None = None
        self._worker: ThreadPoolExecutor | None = None
        self._playwright = None
        self._browser = None

    def __enter__(self) -> Printer:
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="deskmetrics-printer")
        try:
            self._call(self._start)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        if self._worker is None:
            return
        try:
            self._call(self._stop)
        finally:
            self._worker.shutdown(wait=True)
            self._worker = None

    @property
    def browser(self):
        """The running browser (for inspection; drive it only through the printer's methods)."""
        if self._browser is None:
            raise PrintError("use the printer inside `with Printer() as printer:`")
        return self._browser

    def pdf(self, html_path: Path, pdf_path: Path) -> Path:
        """Print an A4 PDF: backgrounds on, each H2 section after the first on a new page."""
        return self._call(self._pdf, Path(html_path), Path(pdf_path))

    def chart_images(self, html_path: Path, out_dir: Path, limit: int | None = None) -> list[Path]:
        """Save a PNG of each Plotly chart in document order, named after the HTML file."""
        return self._call(self._chart_images, Path(html_path), Path(out_dir), limit)

    def pdf_and_chart_images(
        self, html_path: Path, pdf_path: Path, out_dir: Path, limit: int | None = None
    ) -> tuple[Path, list[Path]]:
        """Both from one page load: plotly.js is evaluated once, which is most of the cost."""
        return self._call(
            self._pdf_and_charts, Path(html_path), Path(pdf_path), Path(out_dir), limit
        )

    # -- on the printer's thread -----------------------------------------------------------------
    def _call(self, function, *args):
        if self._worker is None:
            raise PrintError("use the printer inside `with Printer() as printer:`")
        return self._worker.submit(function, *args).result()

    def _start(self) -> None:
        from playwright.sync_api import Error, sync_playwright

        executable = _chromium_path()
        started = time.perf_counter()
        self._playwright = sync_playwright().start()
        try:
            self._browser = self._playwright.chromium.launch(
                executable_path=str(executable) if executable else None, args=CHROMIUM_ARGS
            )
        except Error as exc:
            raise PrintError(_not_found(exc.message.splitlines()[0])) from exc
        self.launch_seconds = time.perf_counter() - started

    def _stop(self) -> None:
        try:
            if self._browser is not None:
                self._browser.close()
        finally:
            if self._playwright is not None:
                self._playwright.stop()
            self._browser = self._playwright = None

    def _pdf(self, html_path: Path, pdf_path: Path) -> Path:
        with self._open(html_path, PRINT_WIDTH_PX, media="print") as page:
            return self._print(page, pdf_path)

    def _pdf_and_charts(self, html_path, pdf_path, out_dir, limit) -> tuple[Path, list[Path]]:
        with self._open(html_path, PRINT_WIDTH_PX, media="print") as page:
            # the screenshots first: the print styles below change the layout
            images = self._screenshots(page, html_path, out_dir, limit)
            return self._print(page, pdf_path), images

    def _print(self, page, pdf_path: Path) -> Path:
        pdf_path.parent.mkdir(parents=True, exist_ok=True)
        page.add_style_tag(content=PRINT_CSS)
        page.evaluate(MARK_PAGE_BREAKS)
        margin = f"{PAGE_MARGIN_MM}mm"
        page.pdf(
            path=str(pdf_path),
            format="A4",
            print_background=True,
            display_header_footer=True,
            header_template="<span></span>",
            footer_template=FOOTER,
            margin={
                "top": margin,
                "right": margin,
                "bottom": f"{PAGE_MARGIN_MM + FOOTER_MM}mm",
                "left": margin,
            },
        )
        return pdf_path

    def _chart_images(self, html_path: Path, out_dir: Path, limit: int | None) -> list[Path]:
        with self._open(html_path, EMAIL_WIDTH_PX) as page:
            return self._screenshots(page, html_path, out_dir, limit)

    @staticmethod
    def _screenshots(page, html_path: Path, out_dir: Path, limit: int | None) -> list[Path]:
        out_dir.mkdir(parents=True, exist_ok=True)
        images = []
        charts = page.locator(".js-plotly-plot")
        count = charts.count() if limit is None else min(limit, charts.count())
        for index in range(count):
            image = out_dir / f"{html_path.stem}-chart-{index + 1:02d}.png"
            charts.nth(index).screenshot(path=str(image), animations="disabled")
            images.append(image)
        return images

    @contextmanager
    def _open(self, html_path: Path, width: int, media: str = "screen") -> Iterator:
        """A new page holding the document once every chart has drawn; closed afterwards."""
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        html_path = Path(html_path).resolve()
        if not html_path.is_file():
            raise PrintError(f"report HTML not found: {html_path}")
        page = self.browser.new_page(viewport={"width": width, "height": 1200})
        # charts size themselves once, as they load: in print media they fit the printed layout
        page.emulate_media(media=media)
        blocked: list[str] = []
        errors: list[str] = []
        page.route("**/*", lambda route: _local_only(route, blocked))
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        try:
            try:
                page.goto(html_path.as_uri(), wait_until="load", timeout=self.timeout * 1000)
            except PlaywrightTimeout:
                raise PrintError(
                    f"{html_path}: the page did not finish loading within {self.timeout:g} s; "
                    "check that it needs no file or server that is missing"
                ) from None
            try:
                page.wait_for_function(CHARTS_DRAWN, timeout=self.timeout * 1000)
            except PlaywrightTimeout:
                raise ChartTimeoutError(
                    _timeout_message(html_path, self.timeout, page, blocked, errors)
                ) from None
            page.evaluate("document.fonts.ready.then(() => true)")
            yield page
        finally:
            page.close()


def _local_only(route, blocked: list[str]) -> None:
    url = route.request.url
    if url.startswith(LOCAL_SCHEMES):
        route.continue_()
    else:
        blocked.append(url)
        route.abort()


def _timeout_message(html_path: Path, timeout: float, page, blocked, errors) -> str:
    status = page.evaluate(CHART_STATUS)
    parts = [
        f"{html_path}: {status['total'] - status['drawn']} of {status['total']} Plotly charts "
        f"did not draw within {timeout:g} s"
    ]
    if not status["plotly"]:
        parts.append("plotly.js is not loaded in the page")
    if blocked:
        parts.append(f"blocked network requests (reports must be offline): {', '.join(blocked)}")
    if errors:
        parts.append(f"page errors: {'; '.join(errors[:3])}")
    parts.append(
        "export the report with deskmetrics.reports.html.export_html, which embeds plotly.js"
    )
    return "; ".join(parts)
