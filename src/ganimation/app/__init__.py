"""The web demo (``ganimation app``): edit expressions with AU sliders in the browser.

- :mod:`ganimation.app.logic`: what the page does, as plain functions (no gradio).
- :mod:`ganimation.app.ui`: the gradio page and its wiring (needs the ``app`` extra).

Nothing is imported here, so ``import ganimation.app`` is cheap and works
without gradio.
"""
