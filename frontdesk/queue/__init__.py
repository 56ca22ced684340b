"""The queue's rules and records. Plain Python and SQLModel: no web framework in here."""
