"""Printing reports in real headless Chromium: a papermill-executed notebook with three sections
becomes an A4 PDF (checked page by page through pdftoppm and pdftotext) and email chart PNGs."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import nbformat
import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import pytest
from playwright.sync_api import BrowserType

from deskmetrics.reports import printer as printer_module
from deskmetrics.reports.html import export_html
from deskmetrics.reports.printer import (
    DEBIAN_CHROMIUM,
    EMAIL_WIDTH_PX,
    ChartTimeoutError,
    Printer,
    PrintError,
)

IN_CI = os.environ.get("CI", "").lower() == "true"
DPI = 60
CHART_HEIGHT = 400  # CSS px; Chromium prints 96 of them per inch
TOLERANCE = 6  # per channel, for anti-aliased edges
# (section, chart colours as (paper, trace)); three charts in one section overflow a page
SECTIONS = [
    ("Tickets", [("#fff3c4", "#d62728")]),
    ("Response times", [("#d9f2ff", "#2ca02c")]),
    ("Satisfaction", [("#ffe0f0", "#1f3fbf"), ("#e6ffe0", "#8c2d9c"), ("#f0e6d2", "#ff7f0e")]),
]
CHARTS = [colours for _, charts in SECTIONS for colours in charts]
TITLE = "Weekly service report"


def _needs(tool: str, present: bool) -> None:
    if not present:
        if IN_CI:
            pytest.fail(f"{tool} is required in CI but missing")
        pytest.skip(f"{tool} not installed")


@pytest.fixture(scope="module")
def printer():
    instance = Printer()
    try:
        instance.__enter__()
    except PrintError as exc:
        configured = os.environ.get("DESKMETRICS_CHROMIUM")
        if (configured and Path(configured).exists()) or DEBIAN_CHROMIUM.exists():
            raise  # Chromium is there but broken: that is a failure, not a skip
        _needs(f"Chromium ({exc})", False)
    yield instance
    instance.__exit__(None, None, None)


def _report_notebook() -> nbformat.NotebookNode:
    cells = [nbformat.v4.new_markdown_cell(f"# {TITLE}")]
    cells.append(nbformat.v4.new_code_cell("import plotly.graph_objects as go"))
    for title, charts in SECTIONS:
        text = f"## {title}\n\nThis week's {title.lower()} for every client, by weekday."
        cells.append(nbformat.v4.new_markdown_cell(text))
        for paper, trace in charts:
            cells.append(
                nbformat.v4.new_code_cell(
                    f"go.Figure(go.Bar(x=['Mon', 'Tue', 'Wed'], y=[3, 1, 2], "
                    f"marker_color='{trace}'), layout=dict(height={CHART_HEIGHT}, "
                    f"paper_bgcolor='{paper}', plot_bgcolor='{paper}', "
                    "margin=dict(l=40, r=20, t=20, b=40))).show()"
                )
            )
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "language": "python",
        "display_name": "Python 3",
    }
    return notebook


@pytest.fixture(scope="module")
def report_html(tmp_path_factory) -> Path:
    """The way report notebooks run: papermill executes, fig.show() leaves Plotly JSON."""
    import papermill as pm

    folder = tmp_path_factory.mktemp("report")
    source = folder / "weekly.ipynb"
    nbformat.write(_report_notebook(), source)
    executed = folder / "weekly.executed.ipynb"
    pm.execute_notebook(
        str(source), str(executed), kernel_name="python3", progress_bar=False, cwd=str(folder)
    )
    return export_html(executed, folder / "weekly.html", TITLE)


# -- reading the rendered pages ------------------------------------------------------------------
def read_png(path: Path) -> np.ndarray:
    """Decode an 8-bit, non-interlaced RGB(A) PNG (what pdftoppm and Chromium write) to RGB."""
    blob = path.read_bytes()
    assert blob[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    pos, idat = 8, b""
    while pos < len(blob):
        length, kind = struct.unpack(">I4s", blob[pos : pos + 8])
        chunk = blob[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    assert (depth, interlace) == (8, 0) and colour in (2, 6), (depth, colour, interlace)
    bpp = 3 if colour == 2 else 4
    stride = width * bpp
    raw = zlib.decompress(idat)
    rows = np.zeros((height, stride), dtype=np.int32)
    prev = np.zeros(stride, dtype=np.int32)
    for y in range(height):
        start = y * (stride + 1)
        kind = raw[start]
        line = np.frombuffer(raw, np.uint8, stride, start + 1).astype(np.int32)
        if kind == 0:
            cur = line
        elif kind == 1:  # Sub: running sum along each channel
            cur = (np.cumsum(line.reshape(width, bpp), axis=0) & 255).reshape(-1)
        elif kind == 2:  # Up
            cur = (line + prev) & 255
        else:  # Average and Paeth depend on the byte just decoded: go byte by byte
            cur = np.array(_unfilter(line.tolist(), prev.tolist(), bpp, kind), dtype=np.int32)
        rows[y] = prev = cur
    return rows.reshape(height, width, bpp)[:, :, :3].astype(np.uint8)


def _unfilter(line: list[int], prev: list[int], bpp: int, kind: int) -> list[int]:
    cur = [0] * len(line)
    for i, x in enumerate(line):
        a = cur[i - bpp] if i >= bpp else 0
        b = prev[i]
        if kind == 3:
            cur[i] = (x + (a + b) // 2) & 255
            continue
        c = prev[i - bpp] if i >= bpp else 0
        p = a + b - c
        pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
        cur[i] = (x + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    return cur


def colour_mask(image: np.ndarray, hex_colour: str) -> np.ndarray:
    rgb = np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)])
    return (np.abs(image.astype(int) - rgb) <= TOLERANCE).all(axis=-1)


def render_pages(pdf: Path) -> list[np.ndarray]:
    _needs("pdftoppm (apt-get install poppler-utils)", shutil.which("pdftoppm") is not None)
    prefix = pdf.with_suffix("")
    subprocess.run(["pdftoppm", "-r", str(DPI), "-png", str(pdf), str(prefix)], check=True)
    pages = sorted(
        pdf.parent.glob(f"{prefix.name}-*.png"), key=lambda p: int(p.stem.rsplit("-")[-1])
    )
    return [read_png(page) for page in pages]


def page_lines(pdf: Path, page: int) -> list[str]:
    text = subprocess.run(
        ["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [line.strip() for line in text.splitlines() if line.strip()]


def whole_chart_pages(pages: list[np.ndarray], charts) -> list[int]:
    """The page of each chart, after checking it is there whole and its bars drew."""
    found_on = []
    for paper, trace in charts:
        found = [n for n, image in enumerate(pages, 1) if colour_mask(image, paper).sum() > 100]
        assert len(found) == 1, f"chart {paper} is on pages {found}: split or missing"
        image = pages[found[0] - 1]
        rows, cols = np.nonzero(colour_mask(image, paper))
        height = rows.max() - rows.min() + 1
        # its full height on one page, not a slice of it
        assert abs(height - CHART_HEIGHT * DPI / 96) <= 2, (paper, height)
        area = colour_mask(image[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1], trace)
        assert area.mean() > 0.05, f"chart {trace} drew {area.mean():.1%} of its bars' colour"
        found_on.append(found[0])
    return found_on


def figure(paper: str, trace: str) -> go.Figure:
    return go.Figure(
        go.Bar(x=["Mon", "Tue", "Wed"], y=[3, 1, 2], marker_color=trace),
        layout=dict(
            height=CHART_HEIGHT,
            paper_bgcolor=paper,
            plot_bgcolor=paper,
            margin=dict(l=40, r=20, t=20, b=40),
        ),
    )


# -- tests ---------------------------------------------------------------------------------------
pytestmark = pytest.mark.browser


def test_pdf_opens_each_section_on_a_new_page_and_keeps_charts_whole(
    printer, report_html, tmp_path
):
    pdf = printer.pdf(report_html, tmp_path / "weekly.pdf")
    assert pdf.read_bytes()[:5] == b"%PDF-"
    pages = render_pages(pdf)
    assert len(pages) >= len(SECTIONS)

    chart_pages = whole_chart_pages(pages, CHARTS)
    assert chart_pages == sorted(chart_pages)
    firsts = np.cumsum([0] + [len(charts) for _, charts in SECTIONS[:-1]])
    starts = [chart_pages[i] for i in firsts]
    assert len(set(starts)) == len(SECTIONS), f"sections share pages: {chart_pages}"
    last = SECTIONS[-1][1]
    assert chart_pages[-1] > starts[-1], f"{len(last)} tall charts cannot fit on one page"

    assert page_lines(pdf, 1)[:2] == [TITLE, SECTIONS[0][0]]
    for (title, _), page in zip(SECTIONS[1:], starts[1:], strict=True):
        assert page_lines(pdf, page)[0] == title, f"{title} does not open page {page}"


def test_charts_stay_whole_in_html_without_notebook_styles(printer, tmp_path):
    charts = SECTIONS[-1][1]
    parts = [
        pio.to_html(figure(*colours), full_html=False, include_plotlyjs=index == 0)
        for index, colours in enumerate(charts)
    ]
    html = tmp_path / "plain.html"
    html.write_text(f"<html><body><h2>Plain</h2>{''.join(parts)}</body></html>", "utf-8")
    pages = render_pages(printer.pdf(html, tmp_path / "plain.pdf"))
    found_on = whole_chart_pages(pages, charts)
    assert found_on[-1] > found_on[0], "these charts are too tall for one page"


def test_chart_images_are_one_png_per_chart_in_document_order(printer, report_html, tmp_path):
    images = printer.chart_images(report_html, tmp_path / "mail")
    assert [image.name for image in images] == [
        f"weekly-chart-{n:02d}.png" for n in range(1, len(CHARTS) + 1)
    ]
    for image_path, (paper, trace) in zip(images, CHARTS, strict=True):
        image = read_png(image_path)
        height, width = image.shape[:2]
        assert abs(height - CHART_HEIGHT) <= 1
        assert EMAIL_WIDTH_PX / 2 <= width <= EMAIL_WIDTH_PX
        # each image is its own chart: mostly its paper colour, with a good share of its bars
        assert colour_mask(image, paper).mean() > 0.3, image_path.name
        assert colour_mask(image, trace).mean() > 0.05, image_path.name

    assert printer.chart_images(report_html, tmp_path / "first", limit=2) == [
        tmp_path / "first" / "weekly-chart-01.png",
        tmp_path / "first" / "weekly-chart-02.png",
    ]


def test_one_browser_prints_many_documents(monkeypatch, report_html, tmp_path):
    launches = []
    launch = BrowserType.launch

    def counting_launch(self, *args, **kwargs):
        launches.append(kwargs.get("executable_path"))
        return launch(self, *args, **kwargs)

    monkeypatch.setattr(BrowserType, "launch", counting_launch)
    other = tmp_path / "other.html"
    figure = go.Figure(go.Scatter(y=[1, 3, 2]), layout=dict(title="Other client"))
    pio.write_html(figure, other, include_plotlyjs=True)

    with Printer() as printer:
        browser = printer.browser
        first = printer.pdf(report_html, tmp_path / "first.pdf")
        second = printer.pdf(other, tmp_path / "second.pdf")
        assert printer.browser is browser
    assert len(launches) == 1
    assert "Other client" in " ".join(page_lines(second, 1))
    assert page_lines(first, 1)[0] == TITLE


def test_chart_that_never_draws_times_out_naming_the_file(tmp_path):
    html = tmp_path / "needs-cdn.html"
    # plotly.js from a CDN: with the network closed the chart can never draw
    pio.write_html(go.Figure(go.Bar(y=[1, 2])), html, include_plotlyjs="cdn")
    with Printer(timeout=2) as printer, pytest.raises(ChartTimeoutError) as caught:
        printer.pdf(html, tmp_path / "never.pdf")
    message = str(caught.value)
    assert str(html) in message
    assert "1 of 1 Plotly charts did not draw within 2 s" in message
    assert "plotly.js is not loaded" in message
    assert "cdn.plot.ly" in message
    assert "export_html" in message
    assert not (tmp_path / "never.pdf").exists()


def test_missing_chromium_names_the_path_and_the_fix(monkeypatch, tmp_path):
    missing = tmp_path / "nowhere" / "chromium"
    monkeypatch.setenv("DESKMETRICS_CHROMIUM", str(missing))
    with pytest.raises(PrintError) as caught, Printer():
        pass
    assert str(missing) in str(caught.value)
    assert "apt-get install chromium" in str(caught.value)


def test_without_any_chromium_every_place_tried_is_named(monkeypatch, tmp_path):
    monkeypatch.delenv("DESKMETRICS_CHROMIUM", raising=False)
    monkeypatch.setattr(printer_module, "DEBIAN_CHROMIUM", tmp_path / "bin" / "chromium")
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(tmp_path / "no-browsers"))
    with pytest.raises(PrintError) as caught, Printer():
        pass
    message = str(caught.value)
    assert str(tmp_path / "bin" / "chromium") in message
    assert "Playwright's own Chromium" in message
    assert "apt-get install chromium" in message
