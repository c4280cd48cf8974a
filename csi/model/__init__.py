"""The model layer: ModelSpec, its YAML in and out with line-numbered errors, tier-scheme syntax, built-in models."""
