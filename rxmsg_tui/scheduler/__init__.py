"""Background jobs on APScheduler 3, run only by the holder of the scheduler lease."""
