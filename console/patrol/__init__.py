"""Patrol operations in the core: schedules, target geometry, matching positions to targets, figures, playback,
readiness of key sites and plans suggested from the appeals. The writers are in `console/services/patrol_*.py`."""
