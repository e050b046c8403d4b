"""The action server package: thin rasa_sdk classes over plain, tested functions.

rasa_sdk imports every module in this package and registers the Action classes it finds. The plain
modules (diagnosis, storage, safety, answers, knowledge, clinic) import nothing from Rasa, so the
NLU component in ``components/`` and the unit tests can use them without an action server.
"""
