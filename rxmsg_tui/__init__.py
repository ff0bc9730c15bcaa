"""rxmsg: patient messaging for retail pharmacies, in the terminal."""

__version__ = "0.1.0"
