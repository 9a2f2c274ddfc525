"""The journey report: a static HTML page of charts built from the marts (see README)."""

from orchestration.report.build import CHARTS, ReportResult, build_report, default_out_dir

__all__ = ["CHARTS", "ReportResult", "build_report", "default_out_dir"]
