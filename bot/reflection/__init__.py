"""Reflection prompts between ateliers, and the participant's private portfolio."""
