"""Screenshot of the web demo for the docs: shipped model, bundled example, a preset.

    python tools/app_screenshot.py [--preset surprise] [-o docs/images/app.png]

Needs the app and faces extras and a Chromium for Playwright
(``bash .ci/install-browser.sh``). Starts the page on a free localhost port,
chooses the bundled astronaut photo, presses the preset button, waits for the
edited photo and writes a full-page screenshot.
"""

from __future__ import annotations

import argparse
import os
import socket
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("GANIMATION_CHROMIUM", "/usr/bin/chromium")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--weights", default=None, help="default: the shipped model")
    ap.add_argument("--preset", default="surprise")
    ap.add_argument("--width", type=int, default=1360)
    ap.add_argument("-o", "--output", default=str(ROOT / "docs/images/app.png"))
    args = ap.parse_args()

    from playwright.sync_api import sync_playwright

    from ganimation.app import ui
    from ganimation.edit import Editor

    demo = ui.build_demo(Editor.from_pretrained(args.weights, device="cpu"))
    port = _free_port()
    ui.launch(demo, port=port, prevent_thread_lock=True, quiet=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        with sync_playwright() as p, tempfile.TemporaryDirectory() as profile:
            ctx = p.chromium.launch_persistent_context(
                profile, executable_path=CHROMIUM, headless=True, viewport={"width": args.width, "height": 1000},
                args=["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"])
            page = ctx.pages[0] if ctx.pages else ctx.new_page()
            page.set_default_timeout(60_000)
            page.goto(url, wait_until="domcontentloaded")
            page.get_by_text("astronaut.png").first.click()
            page.wait_for_function("() => document.querySelector('#status textarea')?.value.includes('face found')")
            page.wait_for_function("() => document.querySelector('#output img')?.src")
            before = page.locator("#output img").first.get_attribute("src")
            page.locator(f"#preset-{args.preset}").click()
            page.wait_for_function("(s) => document.querySelector('#output img')?.src !== s", arg=before)
            page.wait_for_timeout(1500)
            page.screenshot(path=args.output, full_page=True)
            ctx.close()
    finally:
        demo.close()
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
