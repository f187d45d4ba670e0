"""Dialogs opened from the views (pack preview, export)."""
