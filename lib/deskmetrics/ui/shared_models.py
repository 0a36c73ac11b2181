"""Layout and style models that many widgets share, so a page sends the browser fewer models.

ipywidgets gives every widget a Layout model of its own, and most a style model too: a tab of
20 panels carried about 300 of them among its 500 models, each sent to the browser and built
before the page shows anything. Panel widgets never change their layout or style once built,
so one model per kind serves them all. Use these only for widgets that keep theirs unchanged.
"""

from __future__ import annotations

import ipywidgets as w
from ipywidgets.widgets.widget_description import DescriptionStyle
from ipywidgets.widgets.widget_string import HTMLStyle

_MODELS: dict[tuple, w.Widget] = {}


def _shared(kind: type[w.Widget], **attrs) -> w.Widget:
    key = (kind, tuple(sorted(attrs.items())))
    model = _MODELS.get(key)
    if model is None or model.comm is None:  # closed (Widget.close_all in a notebook): anew
        model = _MODELS[key] = kind(**attrs)
    return model


def layout(**attrs) -> w.Layout:
    """The page's one Layout with these attributes."""
    return _shared(w.Layout, **attrs)


def html(value: str = "", **attrs) -> w.HTML:
    return w.HTML(value, layout=layout(**attrs), style=_shared(HTMLStyle))


def vbox(children, **attrs) -> w.VBox:
    return w.VBox(children, layout=layout(**attrs))


def hbox(children, **attrs) -> w.HBox:
    return w.HBox(children, layout=layout(**attrs))


def dropdown(width: str, **kwargs) -> w.Dropdown:
    return w.Dropdown(layout=layout(width=width), style=_shared(DescriptionStyle), **kwargs)


def button(**kwargs) -> w.Button:
    return w.Button(layout=layout(), style=_shared(w.ButtonStyle), **kwargs)
