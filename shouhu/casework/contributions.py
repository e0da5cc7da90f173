"""Home panels contributed by casework (registered on import)."""

from . import contrib  # noqa: F401
