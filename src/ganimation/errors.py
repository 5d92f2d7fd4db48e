"""Exceptions for mistakes a user can fix; the CLI prints them as one line."""


class GanimationError(Exception):
    """Base class: the message says what went wrong and what to do."""


class AUParseError(GanimationError, ValueError):
    """A malformed Action Unit string or vector."""


class DatasetError(GanimationError):
    """A dataset that cannot be used (missing files, bad AUs, unreadable images)."""


class CheckpointError(GanimationError):
    """A weights or state file that is missing, truncated or of another model."""


class ImageError(GanimationError):
    """An image that cannot be read or is unsuitable (too large, too small)."""


class FaceNotFoundError(GanimationError):
    """No usable face was found where one is required."""


class MissingDependencyError(GanimationError):
    """An optional extra (faces, app) or a user-supplied weights file is needed."""


class ConfigError(GanimationError, ValueError):
    """An unknown or invalid configuration key or value."""


class VideoError(GanimationError):
    """A video, GIF or frame folder that cannot be read or written (corrupt, too long, bad path)."""


class OutputPathError(GanimationError):
    """An output file or folder that cannot be written where asked (a file in the way, read-only, /proc ...)."""


class DeviceError(ConfigError):
    """A ``--device`` (or ``train.device``) this machine does not have."""


#: Characters that would break a one-line message, written as escapes instead.
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def one_line(value: object, limit: int = 80) -> str:
    """``value`` as one printable line of at most about ``limit`` characters.

    For echoing user input (AU strings, file names) and for the CLI's error
    line: newlines, other control characters, line separators and the
    surrogates of undecodable file names are written as escapes; a longer
    text keeps its head and says how long it was.
    """
    import unicodedata

    text = str(value)
    out = []
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp"):
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(ch)
        if len(out) > limit:
            break
    escaped = "".join(out)
    if len(escaped) <= limit:
        return escaped
    return f"{escaped[:max(limit - 24, 8)]}... ({len(text)} characters)"
