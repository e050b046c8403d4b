"""How the Rasa server is served: one worker process per core behind one listening socket, none of
them importing TensorFlow (see `serving.supervisor` and `serving.no_tensorflow`)."""
