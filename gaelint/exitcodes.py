"""Exit codes (INTERFACE.md): 0 nothing at or above --fail-on; 1 such
findings; 2 a usage or configuration error, or gaelint itself failed
(GAE002); 130/143 interrupted."""

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
EXIT_INTERRUPTED = 130   # Ctrl-C (128 + SIGINT), as shells report it
EXIT_TERMINATED = 143    # SIGTERM (128 + SIGTERM), as shells report it
