"""Headless Chromium (Debian's chromium + chromium-driver) for the report tests, offline.

``open_page`` loads a file:// page with networking disabled and waits until every plotly chart
has drawn; ``charts`` returns, per chart div, its traces' data (what plotly was given) and how
many marks of each kind it drew (bars, line paths, heatmap images, Sankey links and nodes) with a
non-empty size on the page.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--window-size=1400,1400",
)

# Per chart div: the data plotly was given and the marks it drew with a non-zero area.
CHARTS_JS = """
const area = el => { const b = el.getBBox(); return b.width * b.height; };
const count = (g, selector, ok) => [...g.querySelectorAll(selector)].filter(ok).length;
const plain = v => (v && typeof v === 'object' && 'length' in v) ? Array.from(v) : v;
const out = {};
for (const g of document.querySelectorAll('div.js-plotly-plot')) {
  out[g.id] = {
    traces: (g.data || []).map(t => ({
      type: t.type, name: t.name === undefined ? null : t.name,
      x: plain(t.x), y: plain(t.y), z: t.z ? Array.from(t.z, plain) : null,
      width: plain(t.width), customdata: t.customdata ? Array.from(t.customdata, plain) : null,
      node: t.node ? {label: plain(t.node.label)} : null,
      link: t.link ? {source: plain(t.link.source), target: plain(t.link.target),
                      value: plain(t.link.value)} : null,
    })),
    drawn: {
      bars: count(g, '.bars .point path', p => area(p) > 0),
      lines: count(g, '.scatterlayer path.js-line', p => (p.getAttribute('d') || '').length > 10),
      heatmaps: count(g, '.hm image', i => area(i) > 0
          && (i.getAttribute('href') || i.getAttribute('xlink:href') || '').startsWith('data:image')),
      sankey_links: count(g, '.sankey-link', p => area(p) > 0),
      sankey_nodes: count(g, '.sankey-node .node-rect', r => area(r) > 0),
    },
    annotations: [...g.querySelectorAll('.annotation-text')].map(a => a.textContent),
  };
}
return out;
"""

DRAWN_JS = """
const ids = arguments[0];
return ids.every(id => {
  const g = document.getElementById(id);
  return g && g._fullLayout && g.querySelector('.main-svg')
      && g.querySelectorAll('.point path, path.js-line, .hm image, .sankey-link').length > 0;
});
"""


def require_chromium() -> None:
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.fail(
            f"{CHROMIUM} / {CHROMEDRIVER} missing: `make browser` installs Debian's chromium and "
            "chromium-driver"
        )


@contextmanager
def chromium() -> Iterator[object]:
    """A headless Chromium WebDriver with the network emulated offline."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    require_chromium()
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        driver.set_network_conditions(
            offline=True, latency=0, download_throughput=0, upload_throughput=0
        )
        yield driver
    finally:
        driver.quit()


def open_page(driver: object, page: Path, chart_ids: list[str], timeout: float = 120.0) -> float:
    """Load ``page`` and wait until every chart of ``chart_ids`` has drawn; returns seconds."""
    started = time.perf_counter()
    driver.get(page.resolve().as_uri())
    while not driver.execute_script(DRAWN_JS, chart_ids):
        if time.perf_counter() - started > timeout:
            raise AssertionError(f"charts not drawn within {timeout:.0f}s: {chart_ids}")
        time.sleep(0.25)
    time.sleep(0.5)  # let Sankey / heatmap finish their first render
    return time.perf_counter() - started


def charts(driver: object) -> dict[str, dict]:
    return driver.execute_script(CHARTS_JS)


def resources_requested(driver: object) -> list[str]:
    """Everything the page fetched besides itself (a self-contained page fetches nothing)."""
    return driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")


def screenshot_charts(driver: object, chart_ids: list[str], folder: Path) -> list[Path]:
    """An element screenshot of each chart's div into ``folder/<id>.png``."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for chart_id in chart_ids:
        element = driver.find_element("id", chart_id)
        driver.execute_script("arguments[0].scrollIntoView({block: 'start'})", element)
        path = folder / f"{chart_id}.png"
        element.screenshot(str(path))
        paths.append(path)
    return paths
