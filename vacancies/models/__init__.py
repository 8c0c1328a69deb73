"""Cities, kindergartens, groups, seats and the daily protocol, one module per sub-domain.

Every model is importable from here, as `from vacancies.models import Seat`.
"""

from vacancies.schedule.models import ScheduleLogEntry, SummerWindow, SummerWindowChange

from .city import CalendarOverride, City, CitySettingsChange, ClaimMode, District
from .kindergartens import Group, Kindergarten
from .protocol import Protocol, ProtocolEntry, ProtocolNotice
from .seats import Seat, SeatEvent, Stage

__all__ = [
    "CalendarOverride",
    "City",
    "CitySettingsChange",
    "ClaimMode",
    "District",
    "Group",
    "Kindergarten",
    "Protocol",
    "ProtocolEntry",
    "ProtocolNotice",
    "ScheduleLogEntry",
    "Seat",
    "SeatEvent",
    "Stage",
    "SummerWindow",
    "SummerWindowChange",
]
