"""Renderers: they read results objects and never re-estimate."""
