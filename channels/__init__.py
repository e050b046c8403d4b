"""Messaging connectors that Rasa loads from credentials.yml."""
