"""Clinic staff review: a private web app over the assistant's conversation logs (see docs/review.md)."""
