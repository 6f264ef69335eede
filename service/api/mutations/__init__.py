"""Mutations: one module per mutation, named ``<entity>_<verb>.py``."""
