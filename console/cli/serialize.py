"""The records the command line prints and exports (defined in `console.records`, where operations build them)."""

from ..records import CASE_FIELDS, EVENT_FIELDS, UNIT_FIELDS, case_dict, event_dict, iso, unit_dict

__all__ = ["CASE_FIELDS", "EVENT_FIELDS", "UNIT_FIELDS", "case_dict", "event_dict", "iso", "unit_dict"]
