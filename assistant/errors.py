"""Errors that say whose fault it is and how to fix it."""

from __future__ import annotations


class AssistantError(Exception):
    """Base class; the message is meant for the user as-is."""


class ConfigError(AssistantError):
    """The settings are wrong or incomplete (the user's to fix)."""


class BackendError(AssistantError):
    """A model or embedding backend failed (the backend's or the network's fault)."""


class ModelRequestsBlocked(AssistantError):
    """A real model was asked for where real model calls are disabled (tests)."""


class NotFound(AssistantError):
    """A document id that is not in the store."""
