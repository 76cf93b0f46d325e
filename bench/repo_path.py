"""Puts the checkout's root first on sys.path.

A bench runs as ``python bench/X.py``, so Python puts bench/ on the path, not
the root; after ``import repo_path`` a bench imports the tests' helpers by the
one name the tests use, ``tests.support.X`` (tests/support/checkout.py names
the root's folders).
"""

import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parent.parent)
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
