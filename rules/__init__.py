"""Rule plugins, one module per family (installed as gaelint.rules)."""
