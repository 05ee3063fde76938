import sys

try:
    from .cli import entry
except KeyboardInterrupt:    # Ctrl-C while Python loads gaelint
    sys.exit(130)

sys.exit(entry())
