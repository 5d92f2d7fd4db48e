"""The web demo in a real browser: Playwright for Python driving Debian's chromium.

Skipped cleanly when gradio, playwright or /usr/bin/chromium are missing
(``bash .ci/install-browser.sh`` installs them), except in CI (``CI=true``),
where a missing part is a failure: the browser test must run there. The page
must work with no internet: every request that does not go to the local
server is blocked.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"


def _missing(reason: str) -> None:
    """Skip the module, or fail it in CI where the browser test must run."""
    if IN_CI:
        pytest.fail(f"CI=true but {reason}: the web demo's browser test must run in CI "
                    "(bash .ci/install-browser.sh)", pytrace=False)
    pytest.skip(reason, allow_module_level=True)


for _module in ("gradio", "playwright.sync_api"):
    try:
        _found = importlib.util.find_spec(_module) is not None
    except ModuleNotFoundError:
        _found = False
    if not _found:
        _missing(f"{_module} is not installed")

CHROMIUM = os.environ.get("GANIMATION_CHROMIUM", "/usr/bin/chromium")
if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
    _missing(f"no chromium at {CHROMIUM} (run: bash .ci/install-browser.sh)")

from test_app_logic import StandIn, serve, tiny_weights  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def launch_browser(playwright, user_data_dir, viewport=(1400, 1000)):
    """Debian's chromium, headless, a new empty profile; returns a persistent context."""
    return playwright.chromium.launch_persistent_context(
        str(user_data_dir), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
        viewport={"width": viewport[0], "height": viewport[1]})


def block_internet(context, base_url, blocked: list):
    def route(r):
        if r.request.url.startswith(base_url.rstrip("/")) or r.request.url.startswith(("data:", "blob:")):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()
    context.route("**/*", route)


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    from ganimation.edit import Editor

    editor = Editor.from_pretrained(tiny_weights(tmp_path_factory.mktemp("w") / "tiny.safetensors"), device="cpu")
    fake = None
    try:  # the real faces pipeline when it is installed, else a stand-in detector
        import mediapipe  # noqa: F401

        from ganimation.faces.models import face_landmarker_path

        face_landmarker_path()
    except Exception:  # noqa: BLE001 - any missing part of the faces extra
        fake = StandIn()
    demo, url = serve(editor, fake)
    yield url
    demo.close()


def _output_src(page):
    return page.locator("#output img").first.get_attribute("src")


def _drag_slider(page, code, fraction):
    """Click the slider's track at ``fraction`` of its width (Playwright waits until it is stable)."""
    rng = page.locator(f"#slider-{code} input[type=range]")
    rng.scroll_into_view_if_needed()
    box = rng.bounding_box()
    rng.click(position={"x": max(1.0, box["width"] * fraction), "y": box["height"] / 2})


def test_page_example_slider_and_bad_upload(app, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    blocked: list[str] = []
    with sync_playwright() as p:
        ctx = launch_browser(p, tmp_path / "profile")
        try:
            block_internet(ctx, app, blocked)
            page = ctx.pages[0] if ctx.pages else ctx.new_page()
            page.set_default_timeout(30_000)
            page.goto(app, wait_until="domcontentloaded")
            expect(page.locator("#upload")).to_be_visible()
            expect(page.locator("#slider-AU12")).to_be_visible()

            # the bundled example
            page.get_by_text("astronaut.png").first.click()
            page.wait_for_function(
                "() => document.querySelector('#status textarea')?.value.includes('face found')", timeout=45_000)
            page.wait_for_function("() => document.querySelector('#output img')?.src")
            # the large before/after views load too; the layout settles before the slider is clicked
            page.wait_for_function("() => document.querySelector('#after-view img')?.complete")
            page.wait_for_timeout(500)
            first = _output_src(page)

            # a slider moves (released) -> the edited photo changes
            low = "() => parseFloat(document.querySelector('#slider-AU12 input[type=number]')?.value) <= 0.03"
            for _ in range(3):  # a click during a late layout shift can miss the track: try again
                _drag_slider(page, "AU12", 0.02)
                try:
                    page.wait_for_function(low, timeout=5_000)
                    break
                except Exception:  # noqa: BLE001 - playwright's TimeoutError
                    continue
            page.wait_for_function(low)
            page.wait_for_function("(s) => document.querySelector('#output img')?.src !== s", arg=first)
            second = _output_src(page)
            assert second != first
            assert page.locator("#slider-AU12 input[type=number]").input_value() in ("0", "0.01", "0.02", "0.03")

            # an unreadable upload: an error in the page
            bad = tmp_path / "broken.png"
            bad.write_bytes(b"not an image at all" * 50)
            page.locator("#upload button[aria-label='Clear']").first.click()  # the example's file goes
            page.locator("#upload input[type=file]").set_input_files(str(bad))
            page.wait_for_function(
                "() => document.querySelector('#status textarea')?.value.includes('not a readable image')")

            # ... and the page still works: a preset edits the photo again
            page.locator("#preset-surprise").click()
            page.wait_for_function("(s) => document.querySelector('#output img')?.src !== s", arg=second)
            assert float(page.locator("#slider-AU26 input[type=number]").input_value()) > 0.5
        finally:
            ctx.close()
    # offline: nothing the page needs comes from outside (gradio's optional iframe-resizer script is blocked)
    assert all("iframe-resizer" in u or "iframeResizer" in u for u in blocked), blocked
