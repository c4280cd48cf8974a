"""Typed results (FitResults, ScoreResults) and the results contract (results.json / scores.json builders, readers, schemas)."""
