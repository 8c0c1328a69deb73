"""The queue (R-Q-2, R-Q-3) and who may claim from it (R-S-6).

- sql.py: every SQL text of the queue, as of a moment.
- order.py: the R-Q-2 order of a market (Market, Scope, queue_ordered, queue_position, queue_rank).
- eligibility.py: R-S-6, the one definition (ranked_eligible, priority_seat_count, priority_turn,
  may_claim and the checks a claim raises).
- turns.py: "not your turn" refused from a market's recent ranking in a rush.
- report.py / positions.py: the position report, by ranking (the definition) and from the cutoff (fast).
"""

from placement.queue.eligibility import (
    Turn,
    Verdict,
    may_claim,
    priority_seat_count,
    priority_turn,
    ranked_eligible,
)
from placement.queue.order import Market, Scope, queue_ordered, queue_position, queue_rank
from placement.queue.positions import position_queues_prepare, position_report
from placement.queue.report import PositionReport, position_report_ranked, reasons_since

__all__ = [
    "Market",
    "PositionReport",
    "Scope",
    "Turn",
    "Verdict",
    "may_claim",
    "position_queues_prepare",
    "position_report",
    "position_report_ranked",
    "priority_seat_count",
    "priority_turn",
    "queue_ordered",
    "queue_position",
    "queue_rank",
    "ranked_eligible",
    "reasons_since",
]
