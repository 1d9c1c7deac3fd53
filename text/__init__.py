"""Text utilities shared by ingest and retrieval: sentences, names, shingles, offsets."""
