"""Ingestion: documents → chunks → vectors in Chroma (plus the role cards for routing)."""
