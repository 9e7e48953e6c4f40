"""Bundled sample streams and distributions (see README.md in this folder)."""
