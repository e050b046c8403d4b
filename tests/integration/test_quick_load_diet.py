"""components/diet.py loads the trained classifier with exactly the weights Rasa's own loader gives,
and predicts through a compiled graph, as Rasa's does."""
import numpy as np
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.nlu.classifiers.diet_classifier import DIETClassifier

from components.diet import QuickLoadDIETClassifier
from harness.server import model_path


def test_the_quick_loader_gives_rasas_weights_and_a_compiled_prediction(tmp_path, monkeypatch):
    (tmp_path / "storage").mkdir()  # Rasa moves the archive's parts into an existing directory
    storage, metadata = LocalModelStorage.from_model_archive(tmp_path / "storage", model_path())
    schema = metadata.predict_schema
    _, node = next((n, s) for n, s in schema.nodes.items() if s.uses is QuickLoadDIETClassifier)
    context = ExecutionContext(schema, metadata.model_id)
    config = {**DIETClassifier.get_default_config(), **node.config}  # as Rasa's graph node merges them
    ours = QuickLoadDIETClassifier.load(config, storage, node.resource, context)
    # Rasa's own loader, reading the same files (they are named after the class that wrote them).
    monkeypatch.setattr(QuickLoadDIETClassifier, "_load_model_class",
                        classmethod(DIETClassifier._load_model_class.__func__))
    rasas = QuickLoadDIETClassifier.load(config, storage, node.resource, context)
    ours_weights, rasas_weights = ours.model.get_weights(), rasas.model.get_weights()
    assert len(ours_weights) == len(rasas_weights) > 10
    assert all(np.array_equal(a, b) for a, b in zip(ours_weights, rasas_weights, strict=True))
    assert ours.model.run_eagerly is False and ours.model._tf_predict_step is not None  # traced once, at load
