"""Widgets shared by several screens: the header, the paged table."""
