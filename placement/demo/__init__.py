"""The demo city Temirtau that `manage.py seed_demo` loads: city.py loads it from the parts beside it
(kindergartens, privileges, families, users, schedule), history.py simulates its past protocols and
seats.py releases today's seats."""
