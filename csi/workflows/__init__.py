"""Workflows: orchestration only — fit (``csi.fit``) and waves (``csi.score_waves``) over the lower layers."""
