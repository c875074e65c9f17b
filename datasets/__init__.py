"""Bundled real datasets, installed as forecastrnn._data (see PROVENANCE.md)."""
