"""`python -m server ...` runs the coopkg command line (same as the `coopkg` script)."""

from .cli import main

if __name__ == "__main__":  # not when a query worker process re-imports this module (spawn)
    main(prog_name="coopkg")
