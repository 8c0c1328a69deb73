"""The department console's pages on demand: the front page, the queue and the privileges.
Mounted at /<lang>/department/ (indigo/urls.py); the console's door is accounts.department.access."""
