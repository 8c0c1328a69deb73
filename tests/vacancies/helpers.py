import datetime as dt

from indigo.clock import at_local

D = dt.date


def local(day: dt.date, hour: int = 0, minute: int = 0) -> dt.datetime:
    return at_local(day, dt.time(hour, minute))
