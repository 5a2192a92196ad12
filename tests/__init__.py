"""The test suite (a package, so tests import shared data as ``tests.helpers``)."""
