"""Reusable widgets: validated fields, the explanation side panel, the step header."""
