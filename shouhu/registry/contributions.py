"""What the registry adds to shared pages (home panels, demo data). Each module registers itself."""

from . import contrib_io, contrib_misc, contrib_ui  # noqa: F401
