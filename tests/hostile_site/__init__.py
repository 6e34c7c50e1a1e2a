"""A corpus of hostile pages (what démarche sites do on the real web), served on 127.0.0.1.

``pages`` holds the corpus as data (path → answer, kind → start path); ``server`` serves it.
Used by tests/test_hostile_pages.py and bench/hostile.py.
"""

from .pages import KINDS, PAGES, Answer, demarche_id
from .server import HostileServer, start, stop

__all__ = ["KINDS", "PAGES", "Answer", "HostileServer", "demarche_id", "start", "stop"]
