"""Rasa's own command line with the project's patches installed first: ``python -m rasa_patches train ...``.

The scripts use this rather than ``.venv/bin/rasa`` so that training, testing and validating run the
same Rasa as the served assistant, and stop with a clear message on a Rasa version the patches were not
written for. ``python -m rasa_patches run actions ...`` (scripts/run) is the action server: it gets the
project's log format (serving/logs.py) but not the Rasa server's patches, which would import TensorFlow.
"""
from __future__ import annotations

import sys

from rasa_patches import UnsupportedRasaVersion, check_rasa_version, install, log_context
from serving import logs


def main() -> None:
    action_server = sys.argv[1:3] == ["run", "actions"]
    logs.configure("action-server" if action_server else "rasa")
    try:
        if action_server:
            check_rasa_version()
        else:
            install()
    except UnsupportedRasaVersion as error:
        sys.exit(f"rasa_patches: {error}")
    if action_server:
        log_context.install_action_server()
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
