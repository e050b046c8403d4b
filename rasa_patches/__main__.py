"""Rasa's own command line with the project's patches installed first: ``python -m rasa_patches train ...``.

The scripts use this rather than ``.venv/bin/rasa`` so that training, testing and validating run the
same Rasa as the served assistant, and stop with a clear message on a Rasa version the patches were not
written for.
"""
from __future__ import annotations

import sys

from rasa_patches import UnsupportedRasaVersion, install


def main() -> None:
    try:
        install()
    except UnsupportedRasaVersion as error:
        sys.exit(f"rasa_patches: {error}")
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
