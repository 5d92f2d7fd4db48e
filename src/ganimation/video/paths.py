"""Where outputs may go: :func:`validate_output_path` and :func:`validate_output_dir` refuse, with one
line each, an output that would replace an input, a folder that is not ours to replace, a missing parent
or a path in a virtual file system; :func:`output_kind` tells a video, GIF or frame-folder output apart."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable
from pathlib import Path

from ganimation.errors import VideoError
from ganimation.video.formats import _FRAME_RE, OUTPUT_SUFFIXES


def output_kind(path: str | os.PathLike) -> str:
    """``"mp4"``, ``"gif"`` or ``"folder"`` (no suffix, a trailing ``/``, or an existing folder)."""
    text = os.fspath(path)
    if text.endswith(("/", os.sep)):
        return "folder"
    p = Path(text)
    suffix = p.suffix.lower()
    if suffix in OUTPUT_SUFFIXES:
        return suffix[1:]
    if not suffix:
        return "folder"
    if p.is_dir():
        return "folder"
    raise VideoError(f"{p}: unsupported output type {suffix!r}; use .mp4, .gif or a folder (a path ending in '/')")


def _name_max(folder: Path) -> int:
    try:
        return int(os.pathconf(folder, "PC_NAME_MAX"))
    except (OSError, ValueError, AttributeError):
        return 255


def _tmp_name(name: str, suffix: str) -> str:
    stem = name[: len(name) - len(suffix)] if suffix else name
    return f".{stem[:80]}.{secrets.token_hex(4)}.tmp{suffix}"


def _is_frame_folder(folder: Path) -> bool:
    """Whether ``folder`` holds nothing but ``frame_NNNNN.png`` files (safe to replace)."""
    return all(_FRAME_RE.fullmatch(e.name) and e.is_file() for e in os.scandir(folder))


def validate_output_path(path: str | os.PathLike, *, inputs: Iterable[str | os.PathLike] = (),
                         overwrite: bool = False, suffixes: Iterable[str] | None = None) -> Path:
    """Check an output path before any work starts; return it as a :class:`Path`.

    Checks that the suffix is supported (``.mp4``, ``.gif`` or a folder; or, with
    ``suffixes`` such as ``(".png", ".jpg")``, a file with one of those), the
    name is not longer than the file system allows, the parent exists, is a
    folder and is writable, a file output is not an existing folder (and a
    folder output not an existing file, nor a folder holding other files), and
    that the output is not one of ``inputs`` (unless ``overwrite``).

    Raises:
        VideoError: one line saying what is wrong and what to do.
    """
    if suffixes is not None:
        allowed = tuple(x.lower() for x in suffixes)
        if Path(path).suffix.lower() not in allowed:
            raise VideoError(f"{path}: unsupported output type {Path(path).suffix!r}; use {', '.join(allowed)}")
        kind = Path(path).suffix.lower().lstrip(".")
    else:
        kind = output_kind(path)
    out = Path(os.fspath(path).rstrip("/" + os.sep) or os.sep)
    parent = out.parent
    name = out.name
    if not name:
        raise VideoError(f"{path}: give a file or folder name for the output")
    root = _virtual(out if out.is_absolute() else Path.cwd() / out)
    if root is not None:
        raise VideoError(f"{out}: cannot write to {root}, a virtual file system; choose another path")
    if not parent.exists():
        raise VideoError(f"{out}: the folder {parent} does not exist; create it first")
    if not parent.is_dir():
        raise VideoError(f"{out}: {parent} is a file, not a folder; choose another output path")
    limit = _name_max(parent)
    if len(os.fsencode(name)) > limit:
        from ganimation.errors import one_line

        raise VideoError(f"{one_line(out, 80)}: the name is too long ({len(os.fsencode(name))} bytes > {limit}); "
                         "use a shorter name")
    if kind != "folder" and out.is_dir():
        raise VideoError(f"{out}: is a folder; give a file name ending in .{kind}")
    if kind == "folder" and out.exists():
        if not out.is_dir():
            raise VideoError(f"{out}: is a file; give a folder path for the frames")
        if not _is_frame_folder(out):
            raise VideoError(f"{out}: the folder holds other files; choose a new or empty folder for the frames")
    if not overwrite:
        for item in inputs:
            src = Path(item)
            same = False
            try:
                same = src.exists() and out.exists() and os.path.samefile(src, out)
            except OSError:
                same = False
            if same or src.resolve() == out.resolve():
                raise VideoError(f"{out}: is also an input ({src}); choose another output path")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise VideoError(f"{out}: cannot write to the folder {parent} (permission denied); choose another path")
    probe = parent / _tmp_name(name, "")
    try:
        fd = os.open(probe, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except OSError as exc:
        raise VideoError(f"{out}: cannot write to the folder {parent} ({exc.strerror or exc}); "
                         "choose another path") from None
    os.close(fd)
    os.unlink(probe)
    return out


#: File systems that hold no user data: an output there is refused before any work starts.
VIRTUAL_FILESYSTEMS = ("/proc", "/sys", "/dev")


def _virtual(path: Path) -> str | None:
    """The virtual file system (``/proc``, ``/sys``, ``/dev``) ``path`` lies in, or None."""
    resolved = str(path.resolve())
    for root in VIRTUAL_FILESYSTEMS:
        if resolved == root or resolved.startswith(root + "/"):
            return root
    return None


def validate_output_dir(path: str | os.PathLike, *, inputs: Iterable[str | os.PathLike] = (),
                        overwrite: bool = False, what: str = "output folder") -> Path:
    """Check an output FOLDER (a run, dataset or report folder) before any work starts; return it.

    The folder may exist (its command resumes or adds to it) or not (it and
    missing parents are created later). Refused, with one line saying what to
    do: an existing file at ``path`` or at one of its parents, a name longer
    than the file system allows, a folder under ``/proc``, ``/sys`` or ``/dev``,
    a folder that cannot be written (probed with a temporary file, removed at
    once), and (unless ``overwrite``) a folder that is one of ``inputs``.

    Raises:
        OutputPathError: one line naming the path and the fix.
    """
    from ganimation.errors import OutputPathError, one_line

    raw = os.fspath(path)
    if not str(raw).strip():
        raise OutputPathError(f"give a name for the {what}")
    out = Path(raw)

    def exists(p: Path) -> bool:  # a name too long for the file system is "not there", not an OSError
        try:
            return p.exists()
        except OSError:
            return False

    for name in out.parts:
        size = len(os.fsencode(name))
        if size > 255 and name != os.sep:
            raise OutputPathError(f"{one_line(out, 80)}: a name in the path is too long ({size} bytes > 255); "
                                  "use a shorter name")
    root = _virtual(out if out.is_absolute() else Path.cwd() / out)
    if root is not None:
        raise OutputPathError(f"{out}: cannot write to {root}, a virtual file system; "
                              f"choose another path for the {what}")
    if exists(out) and not out.is_dir():
        raise OutputPathError(f"{out}: is a file, not a folder; choose another path for the {what}")
    # the nearest existing ancestor must be a writable folder; the parts to create must have legal names
    existing = out
    missing: list[str] = []
    while not exists(existing):
        if existing.is_symlink():
            raise OutputPathError(f"{out}: {existing} is a broken link; choose another path for the {what}")
        missing.append(existing.name)
        if existing.parent == existing:
            break
        existing = existing.parent
    if not existing.is_dir():
        raise OutputPathError(f"{out}: {existing} is a file, not a folder; choose another path for the {what}")
    limit = _name_max(existing)
    for name in missing:
        if len(os.fsencode(name)) > limit:
            raise OutputPathError(f"{one_line(out, 80)}: the name is too long ({len(os.fsencode(name))} bytes "
                                  f"> {limit}); use a shorter name")
    if not overwrite and out.exists():
        for item in inputs:
            src = Path(item)
            try:
                same = src.exists() and os.path.samefile(src, out)
            except OSError:
                same = False
            if same:
                raise OutputPathError(f"{out}: is also an input ({src}); choose another {what}")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise OutputPathError(f"{out}: cannot write to the folder {existing} (permission denied); "
                              f"choose another path for the {what}")
    probe = existing / _tmp_name(missing[-1] if missing else "probe", "")
    try:
        fd = os.open(probe, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except OSError as exc:
        raise OutputPathError(f"{out}: cannot write to the folder {existing} ({exc.strerror or exc}); "
                              f"choose another path for the {what}") from None
    os.close(fd)
    os.unlink(probe)
    return out
