"""Reporting: paper tables (:mod:`.tables`, the only place that rounds), matplotlib figures
(:mod:`.figures`), the self-contained HTML report (:mod:`.html`) and the analyses they share
(:mod:`.analysis`). Only this package imports matplotlib (lazily, in :mod:`.figures`)."""
from .labels import Labels
from .tables import Column, Table, TableStyle, format_number, format_p, stars

__all__ = ["Labels", "Table", "Column", "TableStyle", "format_number", "format_p", "stars"]
