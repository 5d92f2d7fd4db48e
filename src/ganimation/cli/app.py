"""``ganimation app``: the web demo (edit expressions with AU sliders in the browser).

Serves a gradio page on 127.0.0.1 by default; runs offline (analytics off, no
CDN). Needs the ``app`` extra (gradio) and the ``faces`` extra (detection).
"""

from __future__ import annotations

import os

from ganimation.cli import common, types


def add_parser(sub) -> None:
    p = sub.add_parser("app", help="web demo: edit expressions with AU sliders in the browser",
                       description=__doc__)
    common.add_weights(p)
    p.add_argument("--engine", choices=("warp", "gan"), default=None,
                   help="engine the page starts with (warp by default; gan when --weights is given); "
                        "switchable in the page")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to bind (default 127.0.0.1: this machine only; 0.0.0.0 serves the network)")
    p.add_argument("--port", type=types.port, default=7860, help="port (default 7860)")
    p.add_argument("--max-upload-mb", type=types.float_range(0.0, 10_000.0, lo_open=True, name="mb"), default=20.0, help="largest upload in MB (default 20)")
    p.set_defaults(func=run)


def run(args) -> int:
    from ganimation.errors import GanimationError, MissingDependencyError

    check_host(args.host)
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
    demo = ui.build_demo(editor, max_upload_mb=args.max_upload_mb,
                         engine=args.engine or ("gan" if args.weights else None))
    print(f"serving the web demo on http://{args.host}:{args.port} (Ctrl+C stops it)")
    import logging

    logging.getLogger("httpx").setLevel(logging.WARNING)  # gradio's own startup probes
    try:
        ui.launch(demo, host=args.host, port=args.port, max_upload_mb=args.max_upload_mb, quiet=True)
    except OSError as exc:
        raise GanimationError(f"cannot serve on {args.host}:{args.port} ({exc}); choose another --port") from None
    return 0


def check_host(host: str) -> None:
    """Raise a one-line error naming ``--host`` when it is not an address this machine can serve on."""
    import errno
    import socket

    from ganimation.errors import GanimationError, one_line

    shown = one_line(host, 80)
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, ValueError) as exc:
        raise GanimationError(f"--host {shown}: not a valid address or host name ({one_line(exc, 60)}); "
                              "use e.g. 127.0.0.1 or 0.0.0.0") from None
    family, _, _, _, addr = infos[0]
    try:
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            sock.bind((addr[0], 0, *addr[2:]))  # any free port: only the address is tested
    except OSError as exc:
        if exc.errno in (errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT):
            raise GanimationError(f"--host {shown}: not an address of this machine ({exc.strerror}); "
                                  "use 127.0.0.1, 0.0.0.0 or one of this machine's addresses") from None
