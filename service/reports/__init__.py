"""Exports of the readiness report: JSON, CSV, Markdown, HTML and OSCAL."""
