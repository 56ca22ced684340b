"""frontdesk: a fair queue and triage system for the front desk of a public office."""

__version__ = "0.1.0"
