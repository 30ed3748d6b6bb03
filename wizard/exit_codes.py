"""The command line's exit codes (DESIGN.md, "Contracts"). A module of their own so that starting
the full-screen wizard need not import the engine before its first frame."""

EXIT_OK, EXIT_FAILED, EXIT_INVALID, EXIT_INTERRUPTED = 0, 1, 2, 130
