"""LLM workstation setup wizard: the engine (no UI imports here, see DESIGN.md)."""

__version__ = "0.1.0"
