"""Ingestion: documents → chunks → vectors in Chroma ; then the answering engine is fitted."""
