"""The daily process (DESIGN.md §4): refill reminders, follow-ups, greetings, review resends."""

from rxmsg_tui.services.daily.process import DailyResult, run_daily

__all__ = ["DailyResult", "run_daily"]
