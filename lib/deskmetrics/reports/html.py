"""Export an executed report notebook to one self-contained HTML file that works offline.

Under papermill, ``fig.show()`` leaves only Plotly's JSON output, which nbconvert cannot draw, so
those figures are turned into HTML here. plotly.js is embedded inline and the template's CDN
scripts (require.js, MathJax, Mermaid, widget manager) are left out: an emailed report opens in a
browser with no internet, and the printer never waits on the network.
"""

from __future__ import annotations

import base64
import copy
import re
from pathlib import Path
from typing import Protocol

from deskmetrics.errors import ConfigError, InputError

PLOTLY_MIME = "application/vnd.plotly.v1+json"
# plotly.js's own banner, present wherever the bundle is embedded in an output already
PLOTLYJS_BANNER = "* plotly.js v"
# plotly's notebook renderer uses this height when the figure sets none
DEFAULT_FIGURE_HEIGHT = 525
LOGO_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".svg": "image/svg+xml",
}
COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")  # checked again here: it lands inside a style

TEMPLATE_NAME = "deskmetrics_report.html.j2"
TEMPLATE = """\
{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js -%}
{%- if resources.deskmetrics.plotlyjs -%}
<script>window.PlotlyConfig = {MathJaxConfig: 'local'};</script>
<script>{{ resources.deskmetrics.plotlyjs }}</script>
{%- endif -%}
{%- endblock html_head_js -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block body_header -%}
{{ super() }}
{{ resources.deskmetrics.branding }}
{%- endblock body_header -%}
"""


class Branding(Protocol):
    """What the report header needs from ``parameters/reports.yaml``'s branding section."""

    primary_colour: str

    @property
    def logo_path(self) -> Path | None: ...


def branding_html(branding: Branding) -> str:
    """A logo (inlined, so the file travels alone) over a rule in the primary colour."""
    colour = branding.primary_colour
    if not COLOUR.match(colour):
        raise ConfigError(f"branding colour {colour!r} must be written #rrggbb, e.g. #1f3a5f")
    logo = ""
    path = branding.logo_path
    if path is not None:
        mime = LOGO_TYPES.get(Path(path).suffix.lower())
        if mime is None or not Path(path).is_file():
            raise InputError(
                f"branding logo must be an existing {', '.join(sorted(LOGO_TYPES))} file",
                file=str(path),
            )
        data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
        logo = f'<img src="data:{mime};base64,{data}" alt="" style="height:40px">'
    # a logo given as a URL is left out: the report must draw with no network
    return (
        f'<header class="dm-branding" style="padding:8px 20px 6px;'
        f'border-bottom:3px solid {colour}">{logo}</header>'
        f"<style>.jp-RenderedHTMLCommon h1, .jp-RenderedHTMLCommon h2 {{ color: {colour}; }}"
        "</style>"
    )


def export_html(
    executed_notebook_path: Path,
    html_path: Path,
    title: str,
    branding: Branding | None = None,
) -> Path:
    """Write the notebook's outputs (no code) as one HTML file; returns ``html_path``."""
    import nbformat

    notebook = nbformat.read(Path(executed_notebook_path), as_version=4)
    converted = _draw_plotly_outputs(notebook)
    # embed the bundle unless the outputs already carry it and nothing new needs it
    embed = converted > 0 or not _outputs_embed_plotlyjs(notebook)
    notebook.metadata["title"] = title
    body = _exporter().from_notebook_node(
        notebook,
        resources={
            "metadata": {"name": title},
            "deskmetrics": {
                "plotlyjs": _plotlyjs() if embed else "",
                "branding": branding_html(branding) if branding else "",
            },
        },
    )[0]
    html_path = Path(html_path)
    html_path.parent.mkdir(parents=True, exist_ok=True)
    html_path.write_text(body, encoding="utf-8")
    return html_path


def _exporter():
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter

    return HTMLExporter(
        template_name="lab",
        template_file=TEMPLATE_NAME,
        extra_loaders=[DictLoader({TEMPLATE_NAME: TEMPLATE})],
        exclude_input=True,
        exclude_output_prompt=True,
        exclude_input_prompt=True,
    )


def _draw_plotly_outputs(notebook) -> int:
    """Give every Plotly JSON output an HTML form that draws with the page's plotly.js."""
    import plotly.io as pio

    converted = 0
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if PLOTLY_MIME not in data or "text/html" in data:
                continue
            figure = copy.deepcopy(dict(data[PLOTLY_MIME]))
            config = figure.pop("config", None)
            data["text/html"] = pio.to_html(
                figure,
                config=config,
                include_plotlyjs=False,
                full_html=False,
                default_height=DEFAULT_FIGURE_HEIGHT,
                validate=False,
            )
            converted += 1
    return converted


def _outputs_embed_plotlyjs(notebook) -> bool:
    return any(
        PLOTLYJS_BANNER in str(output.get("data", {}).get("text/html", ""))
        for cell in notebook.cells
        for output in cell.get("outputs", [])
    )


def _plotlyjs() -> str:
    from plotly.offline import get_plotlyjs

    # a literal "</script>" inside the bundle would end the inline script early
    return get_plotlyjs().replace("</script>", "<\\/script>")
