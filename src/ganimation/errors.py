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
