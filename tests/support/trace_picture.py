"""The README's picture of one trace: the embedded app's spans for one P1
incident, from the caller's POST to the webhook delivery and the monitor's
timer, drawn as a tree with each span's time on a shared axis, and
photographed in Debian's chromium.

    .venv/bin/python -m tests.support.trace_picture docs/trace.png
"""

from __future__ import annotations

import asyncio
import html
import os
import sys
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from harness.apps import app_on
from harness.notifier import QUICK_ENV
from harness.notifier_receivers import receivers
from tests.support.traces import (
    SpanNode,
    recorded_spans,
    report_in_callers_trace,
    subscribe_to_started,
    walk,
    whole_trace,
)

CHROMIUM = os.environ.get("EC_CHROMIUM", "/usr/bin/chromium")
STYLE = """
body { font: 13px/1.35 system-ui, sans-serif; margin: 16px; color: #1d2433; width: 1100px; }
h1 { font-size: 16px; margin: 0 0 4px; }
p { margin: 0 0 12px; color: #5b6475; }
table { border-collapse: collapse; width: 100%; }
td { padding: 2px 6px; white-space: nowrap; border-bottom: 1px solid #eef0f4; }
td.name { width: 430px; }
td.kind { width: 70px; color: #5b6475; font-size: 11px; }
td.bar { position: relative; height: 16px; }
span.bar { position: absolute; top: 4px; height: 10px; min-width: 2px; border-radius: 2px; }
.server { background: #2f6fde; } .producer { background: #d9822b; }
.consumer { background: #2a9d6a; } .client { background: #8a63d2; }
.internal { background: #7b8494; }
"""


def trace_html(root: SpanNode) -> str:
    """One row a span, indented under its parent, its bar placed on the trace's time."""
    start = root.span.start_time or 0
    nodes = list(walk([root]))
    end = max((n.span.end_time or start) for _, n in nodes)
    total = max(end - start, 1)
    rows = []
    for depth, node in nodes:
        span = node.span
        kind = span.kind.name.lower()
        left = 100 * ((span.start_time or start) - start) / total
        width = 100 * ((span.end_time or end) - (span.start_time or start)) / total
        rows.append(
            f'<tr><td class="name" style="padding-left:{6 + 16 * depth}px">'
            f'{html.escape(span.name)}</td><td class="kind">{kind}</td>'
            f'<td class="bar"><span class="bar {kind}" '
            f'style="left:{left:.2f}%;width:{width:.2f}%"></span></td></tr>'
        )
    trace_id = format(root.span.context.trace_id, "032x")
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><style>{STYLE}</style></head><body>"
        f"<h1>One trace: a P1 incident from the ITSM platform's POST to its delivery and timer</h1>"
        f"<p>trace {trace_id} · {len(nodes)} spans · {total / 1e9:.2f} s · "
        "embedded mode (one process), in-memory exporter</p>"
        f"<table>{''.join(rows)}</table></body></html>"
    )


async def traced_incident(folder: Path) -> SpanNode:
    recorded_spans().clear()  # this trace's spans only (other tests use its ids too)
    with receivers("ok") as (_smtp, [webhook]), pytest.MonkeyPatch.context() as monkeypatch:
        async with app_on(
            "sqlite", folder, monkeypatch, EC_RAISE_AFTER='["PT2S", "PT1H"]', **QUICK_ENV
        ) as client:
            await subscribe_to_started(client, f"{webhook.url}/hooks/escalations")
            await report_in_callers_trace(client)
            return await whole_trace(reaching="process ec.monitor")


def photograph(page_html: str, target: Path) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1140, "height": 400})
            page.set_content(page_html)
            page.screenshot(path=str(target), full_page=True)
        finally:
            browser.close()


def main(target: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = asyncio.run(traced_incident(Path(folder)))
    photograph(trace_html(root), Path(target))
    print(f"wrote {target}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "docs/trace.png")
