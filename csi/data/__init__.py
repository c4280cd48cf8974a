"""The data layer: survey files in, validated item data out (readers by suffix, checks, missing-data policies)."""
