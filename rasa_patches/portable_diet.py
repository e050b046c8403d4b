"""Rasa's DIET intent classifier, trained by Rasa with TensorFlow and run with numpy.

Why: a Rasa 3.6 process that loads DIET must import TensorFlow, about 330 MB of RSS and 2 s per
process, and every worker of the server loaded its own (2026-11-29). Prediction for one message is
small arithmetic: two sparse-to-dense projections, a two-layer transformer over a dozen tokens and a
dot product with each intent's embedding. So training stays Rasa's own and unchanged, `persist`
also writes the trained weights as a numpy archive, and loading builds `NumpyDIET`, which computes
the same intent scores (`tests/integration/test_diet_numpy.py` compares them with TensorFlow's on every held-out
NLU example). The serving processes then never import TensorFlow (`rasa_patches.no_tensorflow`).

What `NumpyDIET` computes is DIET's intent path for the configuration in config.yml (Rasa's
`DIET.batch_predict` and the layers it calls, rasa/utils/tensorflow): anything else (entity
recognition, hidden layers before the transformer, dense input features, relative attention, cosine
similarity) is refused when the model is saved, so a model never silently predicts differently.
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Dict, List, Mapping, Text

import numpy as np
import scipy.sparse
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.diet_classifier import DIETClassifier
from rasa.nlu.extractors.extractor import EntityTagSpec
from rasa.shared.nlu.constants import TEXT
from rasa.utils.tensorflow.constants import SENTENCE, SEQUENCE
from rasa.utils.tensorflow.model_data import RasaModelData
from scipy.special import erf

# Keras' LayerNormalization epsilon in Rasa's transformer.
LAYER_NORM_EPSILON = 1e-6
# The settings NumpyDIET reproduces; any other value is refused at save time.
SUPPORTED = {
    "entity_recognition": False, "intent_classification": True, "similarity_type": "inner",
    "model_confidence": "softmax", "use_key_relative_attention": False, "use_value_relative_attention": False,
    "unidirectional_encoder": False,
}
ARCHIVE_SUFFIX = ".numpy.npz"


class UnsupportedDIET(ValueError):
    """The DIET configuration has a part NumpyDIET does not compute."""


def _gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))  # tf.nn.gelu, exact form


def _layer_norm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    var = x.var(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + LAYER_NORM_EPSILON) * gamma + beta


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def positional_encoding(length: int, units: int) -> np.ndarray:
    """The sinusoidal positions Rasa's TransformerEncoder adds (sin on even units, cos on odd)."""
    angles = 1 / np.power(10000, (2 * (np.arange(units) // 2)) / np.float32(units))
    rads = np.arange(length, dtype=np.float32)[:, None] * angles[None, :]
    return np.where(np.arange(units) % 2 == 0, np.sin(rads), np.cos(rads)).astype(np.float32)


class NumpyDIET:
    """DIET's intent scores from its exported weights (`export_weights`), for one message at a time."""

    def __init__(self, weights: Mapping[str, np.ndarray]) -> None:
        # float32 throughout, as TensorFlow computed it: a float64 input against float32 weights would
        # also take numpy's slow mixed-type matrix product instead of BLAS.
        self.w = {name: np.asarray(value, dtype=np.float32) for name, value in weights.items()}
        self.units = int(self.w["embedding.kernel"].shape[1])
        self.heads = int(self.w["num_heads"])
        self.layers = int(self.w["num_layers"])
        self._position_table = positional_encoding(64, self.units)

    def _positions(self, length: int) -> np.ndarray:
        if length > len(self._position_table):  # computed once for the longest message seen so far
            self._position_table = positional_encoding(max(length, 2 * len(self._position_table)), self.units)
        return self._position_table[:length]

    @classmethod
    def from_file(cls, path: Path) -> "NumpyDIET":
        with np.load(path) as archive:
            return cls(dict(archive))

    def sentence_vector(self, sequence: scipy.sparse.spmatrix, sentence: scipy.sparse.spmatrix) -> np.ndarray:
        w = self.w
        tokens = np.asarray(sequence @ w["sparse_to_dense.sequence.kernel"]) + w["sparse_to_dense.sequence.bias"]
        whole = np.asarray(sentence @ w["sparse_to_dense.sentence.kernel"]) + w["sparse_to_dense.sentence.bias"]
        x = np.concatenate([tokens, whole], axis=0)  # the sentence is the last position
        x = x @ w["embedding.kernel"] + w["embedding.bias"]
        x = x * math.sqrt(self.units) + self._positions(len(x))
        depth = self.units // self.heads
        for i in range(self.layers):
            p = f"layer{i}."
            xn = _layer_norm(x, w[p + "attention_norm.gamma"], w[p + "attention_norm.beta"])
            q, k, v = (np.transpose((xn @ w[f"{p}{name}.kernel"] + w.get(f"{p}{name}.bias", 0.0))
                                    .reshape(len(x), self.heads, depth), (1, 0, 2))
                       for name in ("query", "key", "value"))
            attention = _softmax(q @ np.transpose(k, (0, 2, 1)) / math.sqrt(depth)) @ v
            attention = np.transpose(attention, (1, 0, 2)).reshape(len(x), self.units)
            x = x + attention @ w[p + "output.kernel"] + w[p + "output.bias"]
            f = _layer_norm(x, w[p + "ffn_norm.gamma"], w[p + "ffn_norm.beta"])
            f = _gelu(f @ w[p + "ffn1.kernel"] + w[p + "ffn1.bias"])
            x = x + f @ w[p + "ffn2.kernel"] + w[p + "ffn2.bias"]
        x = _gelu(_layer_norm(x, w["final_norm.gamma"], w["final_norm.beta"]))
        return x[-1]

    def intent_scores(self, sequence: scipy.sparse.spmatrix, sentence: scipy.sparse.spmatrix) -> np.ndarray:
        text_embed = self.sentence_vector(sequence, sentence) @ self.w["embed_text.kernel"] + self.w["embed_text.bias"]
        return _softmax(self.w["all_labels_embed"] @ text_embed)

    def run_inference(self, model_data: RasaModelData) -> Dict[str, Any]:
        """What `RasaModel.run_inference` returns for one message: {"i_scores": (1, intents)}."""
        text = model_data.data[TEXT]
        if len(text.get(SEQUENCE, [])) != 1 or len(text.get(SENTENCE, [])) != 1:
            raise UnsupportedDIET("NumpyDIET expects one sparse sequence and one sparse sentence feature")
        sequence, sentence = text[SEQUENCE][0][0], text[SENTENCE][0][0]
        return {"i_scores": self.intent_scores(sequence.tocsr().astype(np.float32),
                                               sentence.tocsr().astype(np.float32))[None, :]}


def export_weights(model: Any, config: Mapping[str, Any]) -> Dict[str, np.ndarray]:
    """The trained TensorFlow DIET's weights for NumpyDIET (run at save time, with TensorFlow)."""
    wrong = {key: config.get(key) for key, value in SUPPORTED.items() if config.get(key) != value}
    if wrong or any(config["hidden_layers_sizes"].get(TEXT, [])):
        raise UnsupportedDIET(f"NumpyDIET does not compute this DIET configuration: {wrong or 'hidden layers'}")
    sequence_layer = model._tf_layers[f"sequence_layer.{TEXT}"]
    combining = sequence_layer._tf_layers["feature_combining"]._tf_layers
    if any(key.startswith("unify_dims") for key in combining) or any(
            combining[f"sparse_dense.{kind}"].output_units != config["dense_dimension"][TEXT] for kind in (SEQUENCE, SENTENCE)):
        raise UnsupportedDIET("NumpyDIET expects sparse input features only (no word vectors)")
    transformer = sequence_layer._tf_layers["transformer"]

    def dense(layer: Any) -> Dict[str, np.ndarray]:
        kernel = layer.kernel.numpy()
        if getattr(layer, "density", 1.0) < 1.0:
            kernel = kernel * layer.kernel_mask.numpy()  # what RandomlyConnectedDense multiplies in
        out = {"kernel": kernel}
        if layer.use_bias:
            out["bias"] = layer.bias.numpy()
        return out

    weights: Dict[str, np.ndarray] = {}

    def put(prefix: str, values: Mapping[str, np.ndarray]) -> None:
        weights.update({f"{prefix}.{name}": value for name, value in values.items()})

    for kind in (SEQUENCE, SENTENCE):
        put(f"sparse_to_dense.{kind}", dense(combining[f"sparse_dense.{kind}"]._tf_layers["sparse_to_dense"]))
    put("embedding", dense(transformer._embedding))
    for i, layer in enumerate(transformer._enc_layers):
        mha = layer._mha
        put(f"layer{i}.attention_norm", {"gamma": layer._layer_norm.gamma.numpy(), "beta": layer._layer_norm.beta.numpy()})
        put(f"layer{i}.query", dense(mha._query_dense_layer))
        put(f"layer{i}.key", dense(mha._key_dense_layer))
        put(f"layer{i}.value", dense(mha._value_dense_layer))
        put(f"layer{i}.output", dense(mha._output_dense_layer))
        norm, ffn1, _, ffn2, _ = layer._ffn_layers
        put(f"layer{i}.ffn_norm", {"gamma": norm.gamma.numpy(), "beta": norm.beta.numpy()})
        put(f"layer{i}.ffn1", dense(ffn1))
        put(f"layer{i}.ffn2", dense(ffn2))
    put("final_norm", {"gamma": transformer._layer_norm.gamma.numpy(), "beta": transformer._layer_norm.beta.numpy()})
    put("embed_text", dense(model._tf_layers[f"embed.{TEXT}"]._dense))
    _, all_labels_embed = model._create_all_labels()
    weights["all_labels_embed"] = all_labels_embed.numpy()
    weights["num_heads"] = np.array(config["number_of_attention_heads"])
    weights["num_layers"] = np.array(len(transformer._enc_layers))
    return weights


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR],
    is_trainable=True,
)
class PortableDIETClassifier(DIETClassifier):
    # rasa_patches.no_tensorflow may serve this class: it predicts with numpy only.
    SERVES_WITHOUT_TENSORFLOW = True

    def persist(self) -> None:
        super().persist()
        if self.model is None:
            return
        weights = export_weights(self.model, self.component_config)
        with self._model_storage.write_to(self._resource) as model_path:
            np.savez(self.weights_file(model_path), **weights)

    @classmethod
    def weights_file(cls, directory: Path) -> Path:
        """Where `persist` writes the numpy weights: beside Rasa's own `<class>.tf_model` files."""
        return directory / f"{cls.__name__}{ARCHIVE_SUFFIX}"

    @classmethod
    def _load_model_class(
        cls,
        tf_model_file: Text,
        model_data_example: RasaModelData,
        label_data: RasaModelData,
        entity_tag_specs: List[EntityTagSpec],
        config: Dict[Text, Any],
        finetune_mode: bool,
    ) -> Any:
        if finetune_mode:  # further training needs Rasa's TensorFlow model
            return super()._load_model_class(tf_model_file, model_data_example, label_data, entity_tag_specs,
                                             config, finetune_mode)
        return NumpyDIET.from_file(cls.weights_file(Path(tf_model_file).parent))
