"""The account types, kept under their old name for ``store/sqlite_accounts.py`` until it
imports them from ``paperwire.accounts`` (their home); import them from there."""

from paperwire.accounts import (
    ROLES,
    SUBMITTED_FEED,
    DuplicateSubmission,
    Role,
    Submission,
    SubmissionCapReached,
    User,
)

__all__ = [
    "ROLES",
    "SUBMITTED_FEED",
    "DuplicateSubmission",
    "Role",
    "Submission",
    "SubmissionCapReached",
    "User",
]
