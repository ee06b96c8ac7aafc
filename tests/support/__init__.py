"""Helpers shared by the test folders (and only by tests): databases per backend."""
