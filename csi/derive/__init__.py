"""Derivations: pure functions of (estimate, survey) → typed results (quality, indices, IPMA, tiers, plug-ins).

See :mod:`csi.derive.base` for the registry and the plug-in protocol."""
