"""The education department's reports: figures aggregated in SQL, a few queries each, with CSV and XLSX.

Every report returns a `Report` (base.py): a table (what the exports contain) and the data of its chart.
One module per report; registry.py lists them for the console, and placement adds its own there.
"""

from vacancies.reports.base import MAX_DAYS, Chart, Period, Report
from vacancies.reports.export import report_csv, report_xlsx
from vacancies.reports.registry import REPORTS, ReportKind, report_build, report_register

__all__ = [
    "MAX_DAYS",
    "REPORTS",
    "Chart",
    "Period",
    "Report",
    "ReportKind",
    "report_build",
    "report_csv",
    "report_register",
    "report_xlsx",
]
