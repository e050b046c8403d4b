"""How the Rasa server is served: one worker process per core behind one listening socket, none of
them importing TensorFlow (see `serving.supervisor` and `rasa_patches.no_tensorflow`)."""

from typing import List


def after_separator(arguments: List[str]) -> List[str]:
    """The `rasa` arguments of a `... -- run --model M` command line (argparse's REMAINDER keeps the
    `--`). The standard library only: the supervisor imports nothing else."""
    return arguments[1:] if arguments[:1] == ["--"] else arguments
