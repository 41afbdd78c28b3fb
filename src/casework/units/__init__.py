"""The official unit tree: the 34 provinces and 3,321 communes and wards after July 2025, imported
from the `vietnam-provinces` package (see `source`) by `casework units import` (see `service`)."""
