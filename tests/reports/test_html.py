"""Exporting executed report notebooks to one HTML file that needs nothing from the network."""

from __future__ import annotations

import base64
import re
import struct
import zlib
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import nbformat
import plotly.graph_objects as go
import pytest
from nbconvert import HTMLExporter

from deskmetrics.errors import ConfigError, InputError
from deskmetrics.reports.html import PLOTLY_MIME, PLOTLYJS_BANNER, export_html

CODE = "hidden_code_of_the_report()"


class ExternalReferences(HTMLParser):
    """Every src/href of a script, stylesheet, image or frame that points off the file."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in {"script", "link", "img", "iframe"}:
            for name, value in attrs:
                if name in {"src", "href"} and value and not value.startswith(("data:", "#")):
                    self.found.append(value)


def external_references(html: str) -> list[str]:
    parser = ExternalReferences()
    parser.feed(html)
    return parser.found


def notebook(outputs_per_cell: list[list[dict]]) -> nbformat.NotebookNode:
    cells = [nbformat.v4.new_markdown_cell("# Weekly report\n\n## Tickets\n\nSome text.")]
    for outputs in outputs_per_cell:
        cells.append(nbformat.v4.new_code_cell(CODE, outputs=outputs, execution_count=1))
    return nbformat.v4.new_notebook(cells=cells)


def plotly_output(y: list[int]) -> dict:
    """What fig.show() leaves under papermill: Plotly's JSON and no HTML."""
    figure = go.Figure(go.Bar(y=y)).to_plotly_json()
    return nbformat.v4.new_output(
        "display_data", data={PLOTLY_MIME: figure, "text/plain": "Figure()"}
    )


def write(tmp_path: Path, nb: nbformat.NotebookNode) -> Path:
    path = tmp_path / "executed.ipynb"
    nbformat.write(nb, path)
    return path


def test_plotly_json_outputs_draw_from_an_inline_plotlyjs(tmp_path):
    executed = write(tmp_path, notebook([[plotly_output([1, 2])], [plotly_output([3, 1])]]))
    html = export_html(executed, tmp_path / "out" / "weekly.html", "Acme <weekly>").read_text()

    assert html.count('class="plotly-graph-div"') == 2
    assert html.count(PLOTLYJS_BANNER) == 1
    assert html.index(PLOTLYJS_BANNER) < html.index("Plotly.newPlot")
    assert external_references(html) == []
    assert "<title>Acme &lt;weekly&gt;</title>" in html
    assert CODE not in html

    # nbconvert alone (as for the tab pages) drops these figures and loads scripts from a CDN
    plain = HTMLExporter(template_name="lab", exclude_input=True).from_filename(str(executed))[0]
    assert 'class="plotly-graph-div"' not in plain
    assert any(url.startswith("https://") for url in external_references(plain))


def test_outputs_that_carry_plotlyjs_already_get_no_second_copy(tmp_path):
    inline = go.Figure(go.Bar(y=[1, 2])).to_html(full_html=False, include_plotlyjs=True)
    output = nbformat.v4.new_output("display_data", data={"text/html": inline})
    html = export_html(write(tmp_path, notebook([[output]])), tmp_path / "w.html", "W")
    text = html.read_text()
    assert text.count(PLOTLYJS_BANNER) == 1
    assert external_references(text) == []


def _png(rgb: tuple[int, int, int]) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(bytes([0, *rgb]))
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def test_branding_inlines_the_logo_and_colours_the_headings(tmp_path):
    logo = tmp_path / "logo.png"
    logo.write_bytes(_png((200, 30, 30)))
    branding = SimpleNamespace(primary_colour="#123456", logo_path=logo)
    executed = write(tmp_path, notebook([[plotly_output([1])]]))
    text = export_html(executed, tmp_path / "b.html", "B", branding).read_text()
    assert f"data:image/png;base64,{base64.b64encode(logo.read_bytes()).decode()}" in text
    assert "3px solid #123456" in text
    assert external_references(text) == []

    # a logo given as a URL has no file: the header keeps the colour and shows no image
    url_logo = SimpleNamespace(primary_colour="#123456", logo_path=None)
    text = export_html(executed, tmp_path / "u.html", "U", url_logo).read_text()
    header = re.search(r'<header class="dm-branding".*?</header>', text, re.S).group(0)
    assert "#123456" in header
    assert "<img" not in header


def test_branding_errors_name_what_to_fix(tmp_path):
    executed = write(tmp_path, notebook([[plotly_output([1])]]))
    missing = tmp_path / "missing.png"
    with pytest.raises(InputError, match=str(missing)):
        export_html(
            executed,
            tmp_path / "x.html",
            "X",
            SimpleNamespace(primary_colour="#000000", logo_path=missing),
        )
    with pytest.raises(ConfigError, match="#rrggbb"):
        export_html(
            executed,
            tmp_path / "x.html",
            "X",
            SimpleNamespace(primary_colour="red;}</style>", logo_path=None),
        )
