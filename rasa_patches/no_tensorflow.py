"""Load and serve a trained model without importing TensorFlow.

Why: Rasa 3.6 imports TensorFlow in every process that loads a model, whether a component uses it or
not (`rasa.core.policies.policy` -> ... -> `rasa.utils.train_utils` -> `rasa.utils.tensorflow`), and
spaCy's thinc probes for it as well. On 2026-11-29 that import alone was 330 of a worker's 554 MB of
RSS and 2 of its 3.6 s of imports. The project's model has no component that runs TensorFlow when it
predicts (DIET is trained by Rasa but run with numpy, `rasa_patches/portable_diet.py`; the policy is RulePolicy),
so the serving processes import a placeholder in its place. Training (`rasa train`), `rasa test` and
the terminal shell import the real one.

The placeholder stands in for what Rasa's modules do with TensorFlow while they are imported: look up
names (`tf.keras.layers.Layer`), subclass them, use them as decorators and in type hints. It computes
nothing, and `components_needing_tensorflow` refuses a model in which anything would ask it to: a
model with Rasa's own DIET, TED or another TensorFlow component must be served by `rasa run` itself.
"""
from __future__ import annotations

import importlib.abc
import importlib.machinery
import inspect
import json
import sys
import tarfile
import types
from pathlib import Path
from typing import Any, List, Optional, Sequence

# Top-level packages replaced by the placeholder: TensorFlow and the packages that come with it.
_REPLACED = ("tensorflow", "tensorflow_addons", "tensorflow_hub", "tensorflow_text", "tensorflow_estimator",
             "keras", "tf_keras")


class Placeholder:
    """Any name looked up on a replaced module: it can be called, subclassed, decorated with and
    used in type hints, which is all Rasa's modules do with TensorFlow while they are imported."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attribute: str) -> "Placeholder":
        if attribute.startswith("__"):
            raise AttributeError(attribute)
        return Placeholder(f"{self._name}.{attribute}")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if len(args) == 1 and not kwargs and callable(args[0]) and not isinstance(args[0], Placeholder):
            return args[0]  # used as a decorator (`@tf.function`, `@tf.keras.utils.register_...()`)
        return Placeholder(f"{self._name}()")

    def __mro_entries__(self, bases: tuple) -> tuple:
        return (object,)  # `class RasaModel(tf.keras.models.Model)`: importable, never instantiated here

    def __getitem__(self, item: Any) -> "Placeholder":
        return self

    def __or__(self, other: Any) -> Any:
        return self

    __ror__ = __or__

    def __repr__(self) -> str:
        return f"<placeholder for {self._name}: TensorFlow is not loaded in this process>"


class PlaceholderModule(types.ModuleType):
    def __getattr__(self, attribute: str) -> Any:
        if attribute.startswith("__"):
            raise AttributeError(attribute)
        return Placeholder(f"{self.__name__}.{attribute}")


class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, name: str, path: Any, target: Any = None) -> Optional[importlib.machinery.ModuleSpec]:
        if name.split(".")[0] in _REPLACED:
            return importlib.machinery.ModuleSpec(name, self, is_package=True)
        return None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        module = PlaceholderModule(spec.name)
        module.__path__ = []
        module.__version__ = "0+placeholder"
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        pass


def install() -> None:
    """Replace TensorFlow in this process. Must run before Rasa or spaCy is imported."""
    if is_installed():
        return
    if any(name.split(".")[0] in _REPLACED for name in sys.modules):
        raise RuntimeError("TensorFlow is already imported in this process; install() must come first")
    # thinc (spaCy) only asks whether TensorFlow exists: tell it no, so it takes its plain code paths.
    sys.modules["tensorflow"] = None  # type: ignore[assignment]
    try:
        import thinc.compat  # noqa: F401
    finally:
        del sys.modules["tensorflow"]
    sys.meta_path.insert(0, _Finder())


def is_installed() -> bool:
    return any(isinstance(finder, _Finder) for finder in sys.meta_path)


def uses_tensorflow(cls: type) -> bool:
    """Does this class, or a class it inherits from, come from a module that uses TensorFlow?

    A class that says it predicts without TensorFlow (`SERVES_WITHOUT_TENSORFLOW`, as
    rasa_patches.portable_diet.PortableDIETClassifier does) is taken at its word; its tests check the claim."""
    if getattr(cls, "SERVES_WITHOUT_TENSORFLOW", False):
        return False
    for klass in inspect.getmro(cls):
        module = sys.modules.get(klass.__module__)
        if module is not None and any(isinstance(value, (Placeholder, PlaceholderModule))
                                      for value in vars(module).values()):
            return True
    return False


def components_needing_tensorflow(model: Path) -> List[str]:
    """The names of the model's graph components that would run TensorFlow (none may, to serve here)."""
    from rasa.engine.storage.storage import ModelMetadata

    # Only metadata.json is read: Rasa's `metadata_from_archive` unpacks the whole model to disk
    # (1.7 s of a worker's start), and the model is unpacked again when it is loaded.
    with tarfile.open(model, mode="r:gz") as archive:
        member = next(m for m in archive if m.name.lstrip("./") == "metadata.json")
        metadata = ModelMetadata.from_dict(json.load(archive.extractfile(member)))  # type: ignore[arg-type]
    return sorted({node.uses.__name__ for node in metadata.predict_schema.nodes.values()
                   if uses_tensorflow(node.uses)})


def model_argument(rasa_args: Sequence[str]) -> Optional[Path]:
    """The value of `--model`/`-m` in a `rasa run` command line."""
    for i, arg in enumerate(rasa_args):
        if arg in ("--model", "-m") and i + 1 < len(rasa_args):
            return Path(rasa_args[i + 1])
        if arg.startswith("--model="):
            return Path(arg.split("=", 1)[1])
    return None
