"""Exceptions that the CLI turns into one-line messages and documented exit codes."""
from __future__ import annotations


class BootdiagError(Exception):
    """Base for errors that are the user's input, not a bug: printed as one line, exit 2."""


class InputError(BootdiagError):
    """The capture, image or key cannot be read."""


class RuleError(BootdiagError):
    """A rule file is malformed; the message names the file, the rule and the field."""
