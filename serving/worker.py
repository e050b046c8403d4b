"""One Rasa server worker: `python -m serving.worker --fd N -- run --model M ...` (started by
`serving.supervisor`, not by hand).

It serves Rasa's own `rasa run` on the listening socket it inherited as file descriptor N, so every
worker accepts from the same queue, and it does so without TensorFlow (`rasa_patches.no_tensorflow`).
"""
from __future__ import annotations

import argparse
import gc
import logging
import os
import socket
import sys
from pathlib import Path
from typing import List, Optional

import rasa_patches
from rasa_patches import no_tensorflow
from serving import after_separator, logs

# A model that needs TensorFlow cannot be served here; the supervisor reports this exit code.
EXIT_NEEDS_TENSORFLOW = 3
# The installed Rasa is not the one rasa_patches was written for.
EXIT_UNSUPPORTED_RASA = 4
# The tracker database was written by a newer version of the assistant (channels/schema.py).
EXIT_SCHEMA_TOO_NEW = 5


async def _freeze_loaded_objects(app: object, loop: object) -> None:
    """Once the model is loaded, keep its objects out of the garbage collector's full passes."""
    gc.collect()
    gc.freeze()


def serve_on(sock: socket.socket) -> None:
    """Make Rasa's `app.run(host=..., port=...)` accept on ``sock`` instead of binding its own."""
    from sanic import Sanic

    original_run = Sanic.run

    def run(self: Sanic, *args: object, **kwargs: object) -> None:
        self.register_listener(_freeze_loaded_objects, "after_server_start")
        kwargs.pop("host", None)
        kwargs.pop("port", None)
        kwargs.update(sock=sock, workers=1)
        original_run(self, **kwargs)  # Rasa passes everything by keyword

    Sanic.run = run  # type: ignore[method-assign]


def _latest_model() -> Optional[Path]:
    """The model `rasa run` picks without --model (the newest in models/), or None if there is none:
    then Rasa says so itself."""
    from rasa.exceptions import ModelNotFound
    from rasa.model import get_local_model

    try:
        return Path(get_local_model())
    except ModelNotFound:
        return None


def _option(args: List[str], name: str) -> Optional[str]:
    for i, arg in enumerate(args):
        if arg == name and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return None


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fd", type=int, required=True, help="the inherited listening socket")
    parser.add_argument("rasa_args", nargs=argparse.REMAINDER, help="`rasa` arguments after --")
    args = parser.parse_args(argv)
    rasa_args = after_separator(args.rasa_args)
    logs.configure("rasa-server")
    log = logging.getLogger("serving.worker")
    # One BLAS thread per worker: the matrices of one message are tiny, and BLAS threads that spin
    # while waiting for work take the CPU from the other workers (set before numpy is imported).
    for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(variable, "1")
    no_tensorflow.install()
    try:
        rasa_patches.install()  # before the model loads: refuses a Rasa the patches were not written for
    except rasa_patches.UnsupportedRasaVersion as error:
        log.error("rasa_patches: %s", error)
        return EXIT_UNSUPPORTED_RASA
    # Imported here: the supervisor imports this module's exit codes and must stay free of Rasa's imports.
    from channels import schema
    from rasa_patches import sql_tracker_store

    try:
        # Before the model loads, so a database this code cannot use stops the worker in a second, once.
        sql_tracker_store.migrate_from_endpoints(_option(rasa_args, "--endpoints") or "endpoints.yml")
    except schema.SchemaTooNew as error:
        log.error("The assistant will not start: %s", error)
        return EXIT_SCHEMA_TOO_NEW
    model = no_tensorflow.model_argument(rasa_args) or _latest_model()
    if model is not None:
        needing = no_tensorflow.components_needing_tensorflow(model)
        if needing:
            log.error("%s has components that run TensorFlow (%s); serve it with `rasa run` instead of "
                      "serving.supervisor.", model, ", ".join(needing))
            return EXIT_NEEDS_TENSORFLOW
    serve_on(socket.socket(fileno=args.fd))
    os.environ["SANIC_WORKERS"] = "1"  # this process is one worker; the supervisor runs the others
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *rasa_args]
    rasa_main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
