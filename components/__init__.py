"""Custom Rasa NLU components and the code that builds the project's spaCy pipeline."""
