"""The nightly crawl: which pages to audit (queue), one run at a time (lock), storing each page
as soon as it is audited (store), and the run as a whole (run).

Data path: démarche → ``run.run_crawl`` → ``queue.crawl_pages`` → ``browser.Tab.audit`` →
``store.record_page`` → page audit, criterion and rule rows.
"""

from .lock import run_lock
from .run import list_runs, run_crawl, run_detail, run_summary, targets
from .store import Target

__all__ = ["Target", "list_runs", "run_crawl", "run_detail", "run_lock", "run_summary", "targets"]
