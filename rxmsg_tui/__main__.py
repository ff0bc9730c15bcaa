"""`python -m rxmsg_tui` runs the `rxmsg` command."""

from rxmsg_tui.cli import main

main()
