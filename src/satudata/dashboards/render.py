"""Vega-Lite spec → SVG / PNG on the server with vl-convert (no browser, works offline).

Used by the PNG/SVG download endpoints (so a plain HTTP client gets an image) and by reports
(charts as SVG inside WeasyPrint PDFs). Specs carry their Indonesian number locale in
`config.locale`; the same locale is passed to vl-convert as well for its own formatting.
"""

from __future__ import annotations

import copy

import vl_convert

from satudata.dashboards.formatting import VEGA_NUMBER_LOCALE

# "container" width means nothing without a page: images are drawn at this width.
IMAGE_WIDTH_PX = 720
# The vendored browser library is Vega-Lite 5.21 (static/vendor): images use the same version.
VEGA_LITE_VERSION = "5.21"
PNG_SCALE_MAX = 4


def _for_image(spec: dict, width: int) -> dict:
    """A copy of the spec with a fixed width (and heights resolved) for drawing off-page."""
    fixed = copy.deepcopy(spec)
    if (fixed.get("width") == "container" or "width" not in fixed) and "hconcat" not in fixed:
        fixed["width"] = width
    if fixed.get("height") == "container":
        fixed["height"] = round(width * 0.6)
    return fixed


def to_svg(spec: dict, *, width: int = IMAGE_WIDTH_PX) -> str:
    """The chart as an SVG document (text)."""
    return vl_convert.vegalite_to_svg(
        _for_image(spec, width),
        vl_version=VEGA_LITE_VERSION,
        format_locale=dict(VEGA_NUMBER_LOCALE),
    )


def to_png(spec: dict, scale: float = 2, *, width: int = IMAGE_WIDTH_PX) -> bytes:
    """The chart as PNG bytes (`scale` 2 = sharp on high-density screens and in print)."""
    scale = max(0.5, min(float(scale), PNG_SCALE_MAX))
    return vl_convert.vegalite_to_png(
        _for_image(spec, width),
        vl_version=VEGA_LITE_VERSION,
        scale=scale,
        format_locale=dict(VEGA_NUMBER_LOCALE),
    )
