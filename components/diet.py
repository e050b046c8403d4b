"""Rasa's DIET intent classifier, loaded in half the time.

To load a trained DIET, Rasa 3.6 first builds the model's weights by training it on one example
(`RasaModel.load`: `compile`, then `fit` on a batch of one), and only then reads the saved weights
over them. That one-example `fit` is compiled into a TensorFlow graph, and tracing the training graph
was most of a Rasa server's start: about 5 of the 9-11 s `Agent.load` took on 2 cores (2026-11-29).
Here that step runs eagerly, which builds the same weights without tracing anything; the saved
weights then replace them exactly as before, and prediction is switched back to a compiled graph.
Training is Rasa's own and unchanged, and predictions are identical (the same confidence to the last
digit on a probe message, and `make test`'s held-out NLU report).
"""
from __future__ import annotations

import copy
from typing import Any, Dict, List, Text

import tensorflow as tf
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.diet_classifier import DIETClassifier
from rasa.nlu.extractors.extractor import EntityTagSpec
from rasa.shared.nlu.constants import TEXT
from rasa.utils.tensorflow.constants import LEARNING_RATE
from rasa.utils.tensorflow.data_generator import RasaBatchDataGenerator
from rasa.utils.tensorflow.model_data import RasaModelData
from rasa.utils.tensorflow.models import RasaModel


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR],
    is_trainable=True,
)
class QuickLoadDIETClassifier(DIETClassifier):
    @classmethod
    def _load_model_class(
        cls,
        tf_model_file: Text,
        model_data_example: RasaModelData,
        label_data: RasaModelData,
        entity_tag_specs: List[EntityTagSpec],
        config: Dict[Text, Any],
        finetune_mode: bool,
    ) -> RasaModel:
        if finetune_mode:  # further training needs Rasa's compiled training step
            return super()._load_model_class(tf_model_file, model_data_example, label_data, entity_tag_specs,
                                             config, finetune_mode)
        model = cls.model_class()(data_signature=model_data_example.get_signature(), label_data=label_data,
                                  entity_tag_specs=entity_tag_specs, config=copy.deepcopy(config))
        model.compile(optimizer=tf.keras.optimizers.Adam(config.get(LEARNING_RATE, 0.001)), run_eagerly=True)
        model.fit(RasaBatchDataGenerator(model_data_example, batch_size=1), verbose=False)  # builds the weights
        model.load_weights(tf_model_file)  # the trained weights over them, as Rasa does
        model.run_eagerly = False  # predictions run as a compiled graph again
        # One prediction now, as Rasa does, so the first parent does not wait for the graph's tracing.
        model.run_inference(RasaModelData(label_key=model_data_example.label_key,
                                          data={name: features for name, features in model_data_example.items()
                                                if TEXT in name}))
        return model
