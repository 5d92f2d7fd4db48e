"""``ganimation app``: the web demo (edit expressions with AU sliders in the browser).

Serves a gradio page on 127.0.0.1 by default; runs offline (analytics off, no
CDN). Needs the ``app`` extra (gradio) and the ``faces`` extra (detection).
"""

from __future__ import annotations

import os

from ganimation.cli import common


def add_parser(sub) -> None:
    p = sub.add_parser("app", help="web demo: edit expressions with AU sliders in the browser",
                       description=__doc__)
    common.add_weights(p)
    p.add_argument("--host", default="127.0.0.1",
                   help="address to bind (default 127.0.0.1: this machine only; 0.0.0.0 serves the network)")
    p.add_argument("--port", type=int, default=7860, help="port (default 7860)")
    p.add_argument("--max-upload-mb", type=float, default=20.0, help="largest upload in MB (default 20)")
    p.set_defaults(func=run)


def run(args) -> int:
    from ganimation.errors import GanimationError, MissingDependencyError

    if not 0 < args.port < 65536:
        raise GanimationError(f"--port {args.port} is not a valid port (1-65535)")
    if not args.max_upload_mb > 0:
        raise GanimationError(f"--max-upload-mb must be positive, got {args.max_upload_mb}")
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    try:
        import gradio  # noqa: F401
    except ImportError:
        raise MissingDependencyError("the web demo needs gradio: pip install 'ganimation[app]'") from None
    if not common.faces_available():
        raise MissingDependencyError("the web demo needs face detection: pip install 'ganimation[faces]'")
    from ganimation.faces.models import face_landmarker_path

    face_landmarker_path()  # fail now, not on the first upload, when the face model is missing
    from ganimation.app import ui

    editor = common.load_editor(args)
    demo = ui.build_demo(editor, max_upload_mb=args.max_upload_mb)
    print(f"serving the web demo on http://{args.host}:{args.port} (Ctrl+C stops it)")
    import logging

    logging.getLogger("httpx").setLevel(logging.WARNING)  # gradio's own startup probes
    try:
        ui.launch(demo, host=args.host, port=args.port, max_upload_mb=args.max_upload_mb, quiet=True)
    except OSError as exc:
        raise GanimationError(f"cannot serve on {args.host}:{args.port} ({exc}); choose another --port") from None
    return 0
