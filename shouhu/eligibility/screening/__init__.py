"""Screening: the service that writes runs, their parts and the results, and reads exchange-format
files.

- `runs.py`: asking for a run (audited), starting one in the background, screening one in this
  process part after part;
- `parts.py`: planning a run into township parts, claiming, screening and finishing a part, and
  putting back parts whose worker died (the locks are explained there);
- `results.py`: one part's results in SQL (facts rows, matches, gained / lost / closed, the
  children's `PendingFacts` rows), for a region prefix or one child;
- `child.py`: screening one child at once (a run of that child), after a registration or a change;
- `files.py`: exchange-format lines in, output objects out (`shouhu screen --input`).

Tasks (tasks.py) and the command call these; nothing here imports tasks: what queues a task takes
the enqueue callable as an argument. Callers import from this package.
"""

from .child import ChildScreening, screen_child
from .files import FileLine, explain_codes, output_object, read_lines
from .parts import Enqueue, part_prefixes, plan_parts, requeue_expired_parts, screen_part
from .results import (
    FACTS_TABLE,
    MATCH_TABLE,
    fill_facts,
    match_facts,
    screen_facts,
    screen_prefix,
    screen_scope,
    screened_codes,
)
from .runs import STALE_AFTER, Progress, run_screening, screening_request, screening_start, unfinished_run

__all__ = [
    "FACTS_TABLE",
    "MATCH_TABLE",
    "STALE_AFTER",
    "ChildScreening",
    "Enqueue",
    "FileLine",
    "Progress",
    "explain_codes",
    "fill_facts",
    "match_facts",
    "output_object",
    "part_prefixes",
    "plan_parts",
    "read_lines",
    "requeue_expired_parts",
    "run_screening",
    "screen_child",
    "screen_facts",
    "screen_part",
    "screen_prefix",
    "screen_scope",
    "screened_codes",
    "screening_request",
    "screening_start",
    "unfinished_run",
]
