"""Estimators: PLS (the batched Lohmöller core on moment matrices) and CB-SEM (the only user of semopy)."""
