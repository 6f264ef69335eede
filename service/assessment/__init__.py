"""Organisations and their assessments: answers, scope and lifecycle."""
