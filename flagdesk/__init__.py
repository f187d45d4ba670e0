"""FlagDesk: strategic ICT commissioning and supplier management for UK local public services."""

__version__ = "0.1.0"
