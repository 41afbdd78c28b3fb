"""casework: case tracking for the MOST procedures delegated to provinces and communes in 2025."""

__version__ = "0.1.0"
