"""The gradio page of the web demo and its wiring (needs the ``app`` extra: gradio).

:func:`build_demo` lays the page out and connects its events to
:mod:`ganimation.app.logic`; :func:`launch` serves it. Per-browser state is a
``gr.State`` holding a :class:`~ganimation.app.logic.Session`; the editor is
shared by all sessions and only read. Runs offline: analytics are off and
the theme uses system fonts (no CDN).
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

try:
    import gradio as gr
except ImportError:  # pragma: no cover - depends on the installation
    from ganimation.errors import MissingDependencyError as _Missing

    raise _Missing("the web demo needs gradio: pip install 'ganimation[app]'") from None

from ganimation.app import logic  # noqa: E402
from ganimation.aus import AU_CODES, AU_NAMES, AU_REGIONS, PRESETS  # noqa: E402
from ganimation.errors import GanimationError  # noqa: E402
from ganimation.texture.au_texture import STRENGTH as TEXTURE_DEFAULT  # noqa: E402

log = logging.getLogger(__name__)

TITLE = "GANimation · expression editor"
SYSTEM_FONTS = ["ui-sans-serif", "system-ui", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"]
MONO_FONTS = ["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"]

CSS = """
.gradio-container {max-width: 1320px !important; margin: auto;}
#intro p {margin: 0.2em 0; color: var(--body-text-color-subdued);}
#status textarea {font-size: 0.9em;}
.region-title {margin: 0.6em 0 0.1em 0.2em !important;}
.region-title h4 {margin: 0 !important; font-size: 0.95em;}
#presets {padding: 0.4em 0.6em; align-items: center;}
"""

INTRO = """
# GANimation · expression editor
Upload a photo (or pick the example), choose a face, then move the **Action Unit** sliders or click an
expression. The sliders start at the AUs estimated from the face; the edited photo updates when you
release a slider. *Animate* renders the change from the face's own expression to the target as MP4 and GIF.
Engine *warp* moves the face's landmarks and warps the photo (shape changes, no colour added); *gan* runs the
generator on the aligned crop. The *Reenact* tab animates a photo by a driving video; the *Video* tab edits the
faces of a video; the *Transfer* tab copies a reference photo's expression.
"""


def _faces_radio(elem_id: str):
    """The all/largest choice of a tab that edits every face or one."""
    import gradio as gr

    return gr.Radio(label="Faces", choices=["all", "largest"], value="all", elem_id=elem_id)


def _run_controls(text: str, button_id: str, status_id: str, hint: str):
    """A tab's run button and its status box (``hint`` until the first run)."""
    import gradio as gr

    return (gr.Button(f"▶ {text}", variant="primary", elem_id=button_id),
            gr.Textbox(label="Status", interactive=False, lines=2, elem_id=status_id, value=hint))


def build_demo(editor, *, detect_fn: Callable | None = None, estimate_fn: Callable | None = None,
               max_upload_mb: float = logic.DEFAULT_MAX_UPLOAD_MB, examples=logic.EXAMPLES,
               engine: str | None = None):
    """The ``gr.Blocks`` page editing photos with ``editor`` (shared, read-only).

    ``detect_fn`` / ``estimate_fn``: stand-ins for the faces extra (tests).
    ``engine``: the engine new sessions start with (default: the project's default engine).
    """
    from ganimation.faces.pipeline import DEFAULT_ENGINE

    with warnings.catch_warnings():  # gradio 5 announces its 6.0 renames on every listener
        warnings.filterwarnings("ignore", message=r".*Gradio 6\.0.*", category=DeprecationWarning)
        return _build(editor, detect_fn=detect_fn, estimate_fn=estimate_fn, max_upload_mb=max_upload_mb,
                      examples=examples, engine=logic.check_engine(engine or DEFAULT_ENGINE))


#: outputs of every view update: whole photo, face before, face after, crop, attention, colour
N_VIEWS = 6


def _build(editor, *, detect_fn, estimate_fn, max_upload_mb, examples, engine):
    size = int(editor.image_size)
    n_sliders = len(AU_CODES)

    theme = gr.themes.Soft(primary_hue="indigo", secondary_hue="amber", neutral_hue="slate",
                           font=SYSTEM_FONTS, font_mono=MONO_FONTS)

    def fail(exc: Exception) -> str:
        if isinstance(exc, GanimationError):
            msg = str(exc)
        else:  # a bug: log it, keep serving
            log.exception("unexpected error in the web demo")
            msg = f"internal error ({type(exc).__name__}: {exc}); try another photo"
        gr.Warning(msg)
        return f"⚠ {msg}"

    def views(session, face, rendered):
        return [rendered.image, rendered.before, rendered.after,
                logic.upscale_view(rendered.crop), logic.upscale_view(rendered.attention),
                logic.upscale_view(rendered.color)]

    no_views = [gr.update()] * N_VIEWS

    def downloads(session, image, face, extra=()):
        return list(extra) + logic.save_photo(session, image, face)

    # -- handlers (each returns values for its outputs; errors go to the status box) -------
    def on_upload(path, session, engine_value):
        skip = [gr.update()] * (2 + N_VIEWS + n_sliders + 1)
        if not path:
            return [session, *skip, gr.update()]
        try:
            image = logic.load_image(path, max_mb=max_upload_mb)
            session = logic.analyze(image, size, session=session, name=Path(str(path)).name,
                                    detect_fn=detect_fn, estimate_fn=estimate_fn, engine=engine_value)
            session.selected = 0
            rendered = logic.render(session, editor, 0)
            n = len(session.faces)
            status = (f"{n} face{'s' if n != 1 else ''} found in {session.name}; editing face 0. "
                      "Click a box or pick a face to edit another.")
            return [session, logic.annotate(session, 0),
                    gr.update(choices=logic.face_choices(session), value=0),
                    *views(session, 0, rendered), *logic.initial_sliders(session, 0),
                    downloads(session, rendered.image, 0), status]
        except Exception as exc:  # noqa: BLE001 - shown in the page; the server keeps serving
            return [session, *skip, fail(exc)]

    def select(session, face):
        face = session.selected = logic.check_face(session, face)
        rendered = logic.render(session, editor, face)
        return [session, logic.annotate(session, int(face)), gr.update(value=int(face)),
                *views(session, face, rendered), *logic.initial_sliders(session, face),
                downloads(session, rendered.image, face), f"Editing face {int(face)}."]

    def on_face(face, session):
        try:
            if session is None:
                raise GanimationError("upload a photo first")
            return select(session, face)
        except Exception as exc:  # noqa: BLE001
            return [session] + [gr.update()] * (2 + N_VIEWS + n_sliders + 1) + [fail(exc)]

    def on_click(session, evt: gr.SelectData):
        try:
            if session is None:
                raise GanimationError("upload a photo first")
            x, y = evt.index
            face = logic.face_at(session, x, y)
            if face is None:
                return [session] + [gr.update()] * (2 + N_VIEWS + n_sliders + 1) + ["Click inside a face box to select it."]
            return select(session, face)
        except Exception as exc:  # noqa: BLE001
            return [session] + [gr.update()] * (2 + N_VIEWS + n_sliders + 1) + [fail(exc)]

    def on_edit(session, *values):
        try:
            if session is None:
                raise GanimationError("upload a photo first")
            face = session.selected
            rendered = logic.render(session, editor, face, values)
            return [session, *views(session, face, rendered), downloads(session, rendered.image, face),
                    f"Face {int(face)} edited."]
        except Exception as exc:  # noqa: BLE001
            return [session, *no_views, gr.update(), fail(exc)]

    def with_sliders(fn):
        def handler(session, *args):
            try:
                if session is None:
                    raise GanimationError("upload a photo first")
                face = session.selected
                values, status = fn(session, face, *args)
                rendered = logic.render(session, editor, face, values)
                return [session, *values, *views(session, face, rendered),
                        downloads(session, rendered.image, face), status]
            except Exception as exc:  # noqa: BLE001
                return [session] + [gr.update()] * n_sliders + [*no_views, gr.update(), fail(exc)]
        return handler

    def preset_handler(name):
        def fn(session, face, intensity):
            values = logic.preset_sliders(session, face, name, intensity)
            session.preset = name
            return values, f"Face {int(face)}: {name} at intensity {float(intensity):.2f}."
        return with_sliders(fn)

    def reset_fn(session, face):
        return logic.reset(session, face), f"Face {int(face)} reset to its estimated AUs."

    def rerender_with(setter, message):
        """A handler that applies ``setter(session, value)`` and edits the photo again."""

        def handler(session, value):
            try:
                if session is None:
                    return [session, *no_views, gr.update(), f"{message(value)}: upload a photo to start."]
                setter(session, value)
                face = session.selected
                rendered = logic.render(session, editor, face)
                return [session, *views(session, face, rendered), downloads(session, rendered.image, face),
                        f"{message(value)}."]
            except Exception as exc:  # noqa: BLE001
                return [session, *no_views, gr.update(), fail(exc)]

        return handler

    on_engine = rerender_with(logic.set_engine, lambda v: f"Engine {v}")
    on_texture = rerender_with(logic.set_texture, lambda v: f"Texture {float(v):.1f}")

    def on_reenact(photo, video, face, region):
        try:
            mp4, summary = logic.reenact_clip(photo, video, face=int(face or 0), region=region)
            return [mp4, f"Reenacted: {summary}"]
        except Exception as exc:  # noqa: BLE001
            return [gr.update(), fail(exc)]

    def on_video(video, expression, aus, intensity, relative, faces):
        try:
            mp4, summary = logic.edit_clip(video, expression=expression, aus=aus, intensity=intensity,
                                           relative=relative, face=faces)
            return [mp4, f"Edited: {summary}"]
        except Exception as exc:  # noqa: BLE001
            return [gr.update(), fail(exc)]

    def on_transfer(photo, reference, faces):
        try:
            png, summary = logic.transfer_photo(photo, reference, face=faces)
            return [png, f"Transferred: {summary}"]
        except Exception as exc:  # noqa: BLE001
            return [gr.update(), fail(exc)]

    def on_animate(session, frames):
        try:
            if session is None:
                raise GanimationError("upload a photo first")
            face = session.selected
            frames = logic.check_frames(frames)
            mp4, gif = logic.animate(session, editor, face, frames=frames)
            rendered = logic.render(session, editor, face)
            return [mp4, gif, downloads(session, rendered.image, face, [mp4, gif]),
                    f"Animation of face {int(face)}: {int(frames)} frames there and back."]
        except Exception as exc:  # noqa: BLE001
            return [gr.update(), gr.update(), gr.update(), fail(exc)]

    # -- layout ------------------------------------------------------------------------
    with gr.Blocks(title=TITLE, theme=theme, css=CSS, analytics_enabled=False,
                   delete_cache=(3600, 7200)) as demo:
        session = gr.State(None)
        gr.Markdown(INTRO, elem_id="intro")
        with gr.Tab("Edit", id="edit-tab"):
            with gr.Row(equal_height=False):
                with gr.Column(scale=1, min_width=320):
                    upload = gr.File(label=f"Photo (JPEG or PNG, up to {max_upload_mb:g} MB)", file_types=["image"],
                                     type="filepath", height=110, elem_id="upload")
                    if examples:
                        gr.Examples([[str(p)] for p in examples], inputs=[upload], label="Example photo",
                                    examples_per_page=4)
                    faces_img = gr.Image(label="Faces found (click a box to select it)", interactive=False,
                                         type="numpy", height=380, elem_id="faces", show_download_button=False)
                    face_sel = gr.Radio(label="Face", choices=[], value=None, elem_id="face-select")
                    engine_sel = gr.Radio(label="Engine", choices=list(logic.APP_ENGINES), value=engine,
                                          elem_id="engine",
                                          info="warp: landmark motion + warp (shape); gan: the generator (colour)")
                    texture_sl = gr.Slider(label="Texture (warp engine)", minimum=0.0, maximum=logic.MAX_TEXTURE,
                                           step=0.1, value=TEXTURE_DEFAULT, elem_id="texture",
                                           info="learned shading of folds and wrinkles; 0 = shape only")
                    status = gr.Textbox(label="Status", interactive=False, lines=2, max_lines=4, elem_id="status",
                                        value="Upload a photo or click the example to start.")
                with gr.Column(scale=1, min_width=320):
                    output = gr.Image(label="Edited photo", interactive=False, type="numpy", format="png",
                                      height=360, elem_id="output")
                    with gr.Row():
                        before_view = gr.Image(label="Selected face: before", interactive=False, height=300,
                                               show_download_button=False, elem_id="before-view")
                        after_view = gr.Image(label="Selected face: after", interactive=False, height=300,
                                              show_download_button=False, elem_id="after-view")
                    with gr.Accordion("Selected face: edited crop, attention and colour masks", open=False):
                        gr.Markdown("Attention: white keeps the input pixel, black takes the generated colour.")
                        with gr.Row():
                            crop_view = gr.Image(label="Edited crop", interactive=False, height=200,
                                                 show_download_button=False, elem_id="crop-view")
                            att_view = gr.Image(label="Attention mask", interactive=False, height=200,
                                                show_download_button=False, elem_id="attention-view")
                            col_view = gr.Image(label="Colour mask", interactive=False, height=200,
                                                show_download_button=False, elem_id="color-view")
                    files = gr.File(label="Downloads", file_count="multiple", interactive=False, elem_id="downloads")

            with gr.Group():
                with gr.Row(equal_height=True, elem_id="presets"):
                    with gr.Column(scale=1, min_width=220):
                        intensity = gr.Slider(0.0, 1.0, value=1.0, step=0.05, label="Expression intensity",
                                              info="0 = the face's own AUs, 1 = the full expression",
                                              elem_id="intensity", show_reset_button=False)
                    with gr.Column(scale=3):
                        gr.Markdown("**Expressions** (from the face's own AUs toward a prototype)",
                                    elem_classes=["region-title"])
                        preset_buttons = {}
                        with gr.Row(elem_classes=["preset-row"]):
                            for name in PRESETS:
                                preset_buttons[name] = gr.Button(name.capitalize(), size="sm", min_width=70,
                                                                 elem_id=f"preset-{name}")
                            reset_btn = gr.Button("↺ Reset", size="sm", variant="stop", min_width=70,
                                                  elem_id="reset")
            sliders: dict[str, object] = {}
            # balanced columns, regions kept whole except the long mouth group
            reg = dict(AU_REGIONS)
            mouth = reg.pop("mouth")
            order = list(reg.items())
            columns = [order[0::2], order[1::2], [("mouth", mouth[:4])], [("mouth (cont.)", mouth[4:])]]
            with gr.Row(equal_height=False, elem_id="sliders"):
                for col in columns:
                    with gr.Column(min_width=230):
                        for region, codes in col:
                            gr.Markdown(f"#### {region.capitalize()}", elem_classes=["region-title"])
                            with gr.Group():
                                for code in codes:
                                    sliders[code] = gr.Slider(
                                        0.0, 1.0, value=0.0, step=0.01, label=f"{code} · {AU_NAMES[code]}",
                                        elem_id=f"slider-{code}", show_reset_button=False)
            with gr.Accordion("Animation: from the face's own expression to the target, MP4 and GIF", open=True):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=1, min_width=220):
                        frames = gr.Slider(6, 32, value=16, step=1, label="Frames (each way)", elem_id="frames",
                                           show_reset_button=False)
                        animate_btn = gr.Button("▶ Animate", variant="primary", elem_id="animate")
                    with gr.Column(scale=2, min_width=260):
                        video = gr.Video(label="MP4", interactive=False, height=260, elem_id="video", autoplay=True,
                                         loop=True)
                    with gr.Column(scale=2, min_width=260):
                        gif = gr.Image(label="GIF", interactive=False, type="filepath", height=260, elem_id="gif")
        with gr.Tab("Reenact", id="reenact-tab"):
            with gr.Row(equal_height=False):
                with gr.Column(scale=1, min_width=320):
                    re_photo = gr.File(label="Photo with the face to animate", file_types=["image"],
                                       type="filepath", height=110, elem_id="reenact-photo")
                    re_video = gr.File(label=f"Driving video (MP4, MOV, WebM or GIF; the first "
                                             f"{logic.REENACT_MAX_FRAMES} frames are used)",
                                       file_types=["video", ".gif"], type="filepath", height=110,
                                       elem_id="reenact-video")
                    with gr.Row():
                        re_face = gr.Number(label="Face (0 = largest)", value=0, precision=0, minimum=0,
                                            elem_id="reenact-face")
                        re_region = gr.Radio(label="Moving region", choices=["all", "mouth", "eyes", "brows"],
                                             value="all", elem_id="reenact-region")
                    re_btn, re_status = _run_controls("Reenact", "reenact", "reenact-status",
                                                      "Upload a photo and a short video of a talking face.")
                with gr.Column(scale=2, min_width=320):
                    re_out = gr.Video(label="Reenacted (MP4)", interactive=False, height=480,
                                      elem_id="reenact-out", autoplay=True, loop=True)
            re_btn.click(on_reenact, [re_photo, re_video, re_face, re_region], [re_out, re_status],
                         api_name="reenact")
        with gr.Tab("Video", id="video-tab"):
            with gr.Row(equal_height=False):
                with gr.Column(scale=1, min_width=320):
                    vid_in = gr.File(label=f"Video (MP4, MOV, WebM or GIF; the first {logic.REENACT_MAX_FRAMES} "
                                           "frames are used)", file_types=["video", ".gif"], type="filepath",
                                     height=110, elem_id="video-in")
                    vid_expr = gr.Dropdown(label="Expression", choices=["none", *PRESETS], value="happy",
                                           elem_id="video-expression")
                    vid_aus = gr.Textbox(label="AUs (optional)", placeholder="AU12=+0.4,AU06=+0.3",
                                         elem_id="video-aus")
                    with gr.Row():
                        vid_int = gr.Slider(0.0, 1.0, value=1.0, step=0.05, label="Preset intensity",
                                            elem_id="video-intensity", show_reset_button=False)
                        vid_rel = gr.Checkbox(label="AUs are offsets (relative)", value=True,
                                              elem_id="video-relative")
                    vid_faces = _faces_radio("video-faces")
                    vid_btn, vid_status = _run_controls("Edit video", "video-edit", "video-status",
                                                        "Upload a short video of a face and pick an expression.")
                with gr.Column(scale=2, min_width=320):
                    vid_out = gr.Video(label="Edited (MP4, with the video's sound)", interactive=False,
                                       height=480, elem_id="video-out", autoplay=True, loop=True)
            vid_btn.click(on_video, [vid_in, vid_expr, vid_aus, vid_int, vid_rel, vid_faces], [vid_out, vid_status],
                          api_name="edit_video")
        with gr.Tab("Transfer", id="transfer-tab"):
            with gr.Row(equal_height=False):
                with gr.Column(scale=1, min_width=320):
                    tr_photo = gr.File(label="Photo whose faces change", file_types=["image"], type="filepath",
                                       height=110, elem_id="transfer-photo")
                    tr_ref = gr.File(label="Reference photo (the expression to copy)",
                                     file_types=["image"], type="filepath", height=110, elem_id="transfer-reference")
                    tr_faces = _faces_radio("transfer-faces")
                    tr_btn, tr_status = _run_controls("Transfer", "transfer", "transfer-status",
                                                      "Upload a photo and a reference photo of another expression.")
                with gr.Column(scale=2, min_width=320):
                    tr_out = gr.Image(label="With the reference's expression (PNG)", interactive=False,
                                      type="filepath", height=480, elem_id="transfer-out")
            tr_btn.click(on_transfer, [tr_photo, tr_ref, tr_faces], [tr_out, tr_status], api_name="transfer")
        slider_list = [sliders[c] for c in AU_CODES]
        view_outs = [output, before_view, after_view, crop_view, att_view, col_view]

        # -- wiring --------------------------------------------------------------------
        upload.change(on_upload, [upload, session, engine_sel],
                      [session, faces_img, face_sel, *view_outs, *slider_list, files, status],
                      api_name="analyze", trigger_mode="always_last")
        face_sel.input(on_face, [face_sel, session],
                       [session, faces_img, face_sel, *view_outs, *slider_list, files, status],
                       api_name="select_face")
        faces_img.select(on_click, [session],
                         [session, faces_img, face_sel, *view_outs, *slider_list, files, status],
                         api_name=False)
        gr.on([s.release for s in slider_list], on_edit, [session, *slider_list],
              [session, *view_outs, files, status], api_name="edit", trigger_mode="always_last")
        slider_outs = [session, *slider_list, *view_outs, files, status]
        for name, btn in preset_buttons.items():
            btn.click(preset_handler(name), [session, intensity], slider_outs, api_name=f"preset_{name}")

        def on_intensity(session_, value):
            if session_ is None or session_.preset is None:
                return [session_] + [gr.update()] * (n_sliders + N_VIEWS + 1) + ["Pick an expression first."]
            return preset_handler(session_.preset)(session_, value)

        intensity.release(on_intensity, [session, intensity], slider_outs,
                          api_name=False, trigger_mode="always_last")
        reset_btn.click(with_sliders(reset_fn), [session], slider_outs, api_name="reset")
        engine_sel.input(on_engine, [session, engine_sel], [session, *view_outs, files, status], api_name="engine")
        texture_sl.release(on_texture, [session, texture_sl], [session, *view_outs, files, status],
                           api_name="texture")
        animate_btn.click(on_animate, [session, frames], [video, gif, files, status],
                          api_name="animate")
    return demo


def launch(demo, *, host: str = "127.0.0.1", port: int = 7860, max_upload_mb: float = logic.DEFAULT_MAX_UPLOAD_MB,
           prevent_thread_lock: bool = False, quiet: bool = False, concurrency: int = 2):
    """Serve ``demo`` on ``host:port`` (localhost only by default), offline, uploads capped."""
    demo.queue(default_concurrency_limit=concurrency)
    return demo.launch(server_name=host, server_port=port, share=False, inbrowser=False,
                       max_file_size=f"{max_upload_mb:g}mb", allowed_paths=[str(p) for p in logic.EXAMPLES],
                       prevent_thread_lock=prevent_thread_lock, quiet=quiet, ssr_mode=False, show_error=True,
                       pwa=False, mcp_server=False, enable_monitoring=False)
