#!/usr/bin/env python
"""Backs the entries up to a local file: run it on your machine."""
import subprocess
import sys

subprocess.check_call(['appcfg.py', 'download_data', '--filename', sys.argv[1]])
