"""SERVQUAL gap analysis (placeholder replaced below)."""
