"""Pytest plugins that start throwaway servers the tests need (PostgreSQL, Redis)."""
