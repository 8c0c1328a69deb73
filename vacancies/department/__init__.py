"""The department console's pages on supply: the summer schedule, the working-day calendar, the city's
rules, the kindergarten registry, and the reports. Mounted at /<lang>/department/ (indigo/urls.py)."""
