"""ieval: entity and event scoring for information extraction, in-process."""

from ieval._ieval import __version__

__all__ = ["__version__"]
