"""The action server package: only rasa_sdk classes, each a thin layer over the plain logic in ``coach/``.

rasa_sdk imports every module in this package and registers the Action classes it finds, so nothing
here but Action classes and the tracker readers they share (``tracker.py``). Anything a unit test or
the NLU component needs without an action server belongs in ``coach/``.
"""
