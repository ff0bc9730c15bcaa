"""Bulk import of patients.csv and prescriptions.csv: every row checked, then one transaction."""

from rxmsg_tui.services.importing.patients import import_patients
from rxmsg_tui.services.importing.prescriptions import import_prescriptions
from rxmsg_tui.services.importing.report import (
    BadRow,
    ImportReport,
    ImportStep,
    ProgressCallback,
    RowsRejected,
    UnreadableFile,
)

__all__ = [
    "BadRow",
    "ImportReport",
    "ImportStep",
    "ProgressCallback",
    "RowsRejected",
    "UnreadableFile",
    "import_patients",
    "import_prescriptions",
]
