"""The education department's reports: figures aggregated in SQL, a few queries each, with CSV and XLSX.

Every report returns a `Report` (base.py): a table (what the exports contain) and the data of its chart.
One module per report, listed for the console by `@report_listed` (registry.py); placement lists its own.
"""

from vacancies.reports.base import MAX_DAYS, Chart, Period, Report
from vacancies.reports.export import report_csv, report_xlsx
from vacancies.reports.registry import REPORTS, ReportKind, report_build, report_listed, report_register

# Each lists its report in REPORTS as it is imported.
from vacancies.reports import claims, ownership, seats  # noqa: E402, F401  isort: skip

__all__ = [
    "MAX_DAYS",
    "REPORTS",
    "Chart",
    "Period",
    "Report",
    "ReportKind",
    "report_build",
    "report_csv",
    "report_listed",
    "report_register",
    "report_xlsx",
]
