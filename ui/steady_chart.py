"""A Plotly chart that redraws in place, for views that redraw several times a second.

`st.plotly_chart`'s identity includes the whole figure, so every redraw with new data mounts a new chart
in the browser, and until Plotly has drawn it the panel is empty: on a busy projector laptop a live chart
flickers blank. This chart keeps its identity (its key) and hands each new figure to `Plotly.react` on the
same element, which swaps the picture without ever showing an empty one. A click on a point is reported
back, as `st.plotly_chart`'s point selection is.

plotly.js is the copy in the plotly package, served by Streamlit from there: nothing is downloaded.
"""

from __future__ import annotations

from importlib.util import find_spec
from pathlib import Path

import streamlit as st
import streamlit.components.v1 as components_v1

# Streamlit serves a declared component's folder; declaring plotly's package data makes its plotly.min.js
# reachable from the page without copying 4.8 MB anywhere.
_PLOTLY_FILES = components_v1.declare_component(
    "plotly_js", path=Path(find_spec("plotly").submodule_search_locations[0]) / "package_data"
)

_JS = """
// The figures carry a light look; on the dark theme they take the page's background and light text,
// read from the page at each redraw (so a switch of theme in the settings shows at the next one).
function onDarkPage() {
  const background = getComputedStyle(document.querySelector(".stApp") ?? document.body).backgroundColor;
  const [r, g, b] = (background.match(/[0-9.]+/g) ?? [255, 255, 255]).map(Number);
  return 0.2126 * r + 0.7152 * g + 0.0722 * b < 128;
}

function darkLayout(layout) {
  const text = "#e5e7eb";
  const dark = { ...layout, paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "rgba(0,0,0,0)",
                 font: { ...layout.font, color: text } };
  if (layout.title?.font) dark.title = { ...layout.title, font: { ...layout.title.font, color: text } };
  for (const name of Object.keys(layout).filter((key) => /^[xy]axis[0-9]*$/.test(key))) {
    dark[name] = { ...layout[name], gridcolor: "rgba(255,255,255,0.15)", linecolor: "rgba(255,255,255,0.3)" };
  }
  return dark;
}

export default function ({ parentElement, data, setTriggerValue }) {
  const chart = parentElement.querySelector(".steady-chart");
  chart.reportClick = setTriggerValue;
  const figure = JSON.parse(data.figure);
  if (onDarkPage()) figure.layout = darkLayout(figure.layout ?? {});
  // one <script> per page loads plotly.js; every chart waits for it, then draws in arrival order
  window.steadyChartPlotly ??= new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = data.plotly;
    script.onload = () => resolve(window.Plotly);
    script.onerror = reject;
    document.head.appendChild(script);
  });
  window.steadyChartPlotly.then(async (Plotly) => {
    await Plotly.react(chart, figure.data, figure.layout, data.config);
    if (chart.dataset.clicks) return;
    chart.dataset.clicks = "on";  // once per element: Plotly keeps its listeners across redraws
    chart.on("plotly_click", (event) => chart.reportClick("click", event.points.map((point) => ({
      curve_number: point.curveNumber, point_index: point.pointIndex, x: point.x, y: point.y,
    }))));
  });
}
"""

_COMPONENT = st.components.v2.component(
    "steady_chart",
    html="<div class='steady-chart'></div>",
    js=_JS,
    isolate_styles=False,  # plotly.js puts its styles in the page's <head>, which a shadow root would not see
)


def _plotly_url() -> str:
    base = st.get_option("server.baseUrlPath").strip("/")
    return "/" + "/".join(part for part in (base, "component", _PLOTLY_FILES.name, "plotly.min.js") if part)


def steady_chart(figure, key: str, config: dict | None = None) -> list[dict]:
    """Draw `figure` (a Plotly figure) full width under a fixed `key`; a later call with the same key
    replaces the picture in place. Returns the points clicked since the last run (curve_number,
    point_index, x, y), usually none."""
    result = _COMPONENT(
        key=key,
        data={
            "figure": figure.to_json(),
            "plotly": _plotly_url(),
            "config": {**(config or {}), "responsive": True},
        },
        on_click_change=lambda: None,  # a click reruns, like st.plotly_chart's on_select="rerun"
    )
    return list(result.click or [])
