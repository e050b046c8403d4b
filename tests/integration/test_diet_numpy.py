"""rasa_patches/portable_diet.py predicts with numpy what Rasa's TensorFlow DIET predicts from the same weights:
every held-out NLU example gets the same scores (to float32 rounding) and the same intent."""
import asyncio

import numpy as np
import pytest
import yaml
from rasa.core.agent import Agent
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.nlu.classifiers.diet_classifier import LABEL_KEY, LABEL_SUB_KEY, DIETClassifier
from rasa.utils.tensorflow.model_data import RasaModelData

from harness import ROOT
from harness.server import model_path
from rasa_patches.portable_diet import NumpyDIET, PortableDIETClassifier, export_weights

HELD_OUT = ROOT / "tests" / "nlu" / "test_nlu.yml"


def held_out_texts():
    texts = []
    for block in yaml.safe_load(HELD_OUT.read_text())["nlu"]:
        texts += [line[2:].strip() for line in block["examples"].splitlines() if line.startswith("- ")]
    return texts


@pytest.fixture(scope="module")
def agent_and_tensorflow_model(tmp_path_factory):
    agent = Agent.load(str(model_path()))
    component = next(node._component for name, node in agent.processor.graph_runner._instantiated_nodes.items()
                     if "PortableDIETClassifier" in name)
    # Rasa's own TensorFlow model, from the files the same training wrote.
    storage_dir = tmp_path_factory.mktemp("storage")
    storage, metadata = LocalModelStorage.from_model_archive(storage_dir, model_path())
    node = next(s for s in metadata.predict_schema.nodes.values() if s.uses is PortableDIETClassifier)
    with storage.read_from(node.resource) as directory:
        _, specs, label_data, example = PortableDIETClassifier._load_from_files(directory)[:4]
        example = RasaModelData(label_key=LABEL_KEY, label_sub_key=LABEL_SUB_KEY, data=example)
        tf_model = DIETClassifier._load_model_class.__func__(
            PortableDIETClassifier, str(directory / "PortableDIETClassifier.tf_model"), example, label_data, specs,
            component.component_config, False)
        archive = PortableDIETClassifier.weights_file(directory)
        exported_again = export_weights(tf_model, component.component_config)
        with np.load(archive) as saved:
            saved_weights = dict(saved)
    return agent, component, tf_model, saved_weights, exported_again


def test_the_served_model_is_numpy(agent_and_tensorflow_model):
    _, component, *_ = agent_and_tensorflow_model
    assert isinstance(component.model, NumpyDIET)


def test_the_saved_archive_holds_the_trained_weights(agent_and_tensorflow_model):
    *_, saved, exported_again = agent_and_tensorflow_model
    assert saved.keys() == exported_again.keys()
    assert all(np.array_equal(saved[k], exported_again[k]) for k in saved)


def test_numpy_and_tensorflow_give_the_same_scores_on_every_held_out_example(agent_and_tensorflow_model, monkeypatch):
    agent, component, tf_model, *_ = agent_and_tensorflow_model
    compared = []
    predict = component._predict

    def predict_both(message):
        data = component._create_model_data([message], training=False)
        ours, rasas = component.model.run_inference(data)["i_scores"], tf_model.run_inference(data)["i_scores"]
        compared.append((ours, rasas))
        return predict(message)

    monkeypatch.setattr(component, "_predict", predict_both)
    texts = held_out_texts()
    for text in texts:
        asyncio.run(agent.parse_message(text))
    assert len(compared) == len(texts) > 300
    for ours, rasas in compared:
        assert ours.shape == rasas.shape
        assert np.abs(ours - rasas).max() < 1e-5
        assert ours.argmax() == rasas.argmax()


def test_a_configuration_numpy_does_not_compute_is_refused_at_save_time(agent_and_tensorflow_model):
    from rasa_patches.portable_diet import UnsupportedDIET
    _, component, tf_model, *_ = agent_and_tensorflow_model
    with pytest.raises(UnsupportedDIET):
        export_weights(tf_model, {**component.component_config, "similarity_type": "cosine"})
