"""Reporting for people: the KPI report (``hub report``) and the operators' overview
(``hub status``). Computations are pure (:func:`build_report`, :func:`build_status`);
reading the broker and the roles' HTTP ports is in :mod:`hub.reporting.sources`."""

from hub.reporting.cli import add_parsers, run_report, run_status
from hub.reporting.period import Bucket, Period
from hub.reporting.report import Report, build_report
from hub.reporting.status import Status, build_status

__all__ = [
    "Bucket",
    "Period",
    "Report",
    "Status",
    "add_parsers",
    "build_report",
    "build_status",
    "run_report",
    "run_status",
]
