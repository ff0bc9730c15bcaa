"""`rxmsg serve` for remote support: textual-serve behind a one-time link, Origin checks and TLS."""
