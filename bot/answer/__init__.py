"""Answering: retrieval, routing, programme facts, composition, LLM providers."""
