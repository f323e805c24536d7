"""Qt-free core of the county dispatch console: models, database, services, geo, change feed, feeds, CLI."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("dispatch-console")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.1.0"
