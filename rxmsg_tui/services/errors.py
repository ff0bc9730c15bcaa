"""Errors a service raises for the user to read: one line that says what and where."""

from __future__ import annotations


class ServiceError(Exception):
    """Base: the message is fit to show to pharmacy staff as is."""


class NotFound(ServiceError):
    pass


class PermissionDenied(ServiceError):
    pass


class InvalidInput(ServiceError):
    pass


class FieldError(InvalidInput):
    """Bad input in one field of a form; screens show the message at that field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
