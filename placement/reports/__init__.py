"""The department's reports on demand (the queue, fairness, the expected wait's backtest). Each lists
itself in the console's registry (vacancies/reports/registry.py) as it is imported, which placement's
`ready()` does."""

from placement.reports import fairness, queue, wait  # noqa: F401
