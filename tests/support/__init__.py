"""Helpers shared by the test folders (and only by tests): scratch directories and databases per backend."""
