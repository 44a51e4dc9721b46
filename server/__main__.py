"""`python -m server ...` runs the coopkg command line (same as the `coopkg` script)."""

from .cli import main

main()
