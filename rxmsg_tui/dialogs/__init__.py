"""Dialogs: ModalScreen classes over the current screen, each with its own DEFAULT_CSS."""
