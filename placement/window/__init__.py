"""The fair claim window (R-W): parents list groups while a window is open, the queue decides at its close.

models.py      ClaimWindow, Bid, WindowAllocation
bids.py        bid_place / bid_withdraw and what a child may list (writes and reads of one bid)
snapshot.py    what a bid is judged against, read once per window: open groups and seats, the turn
allocation.py  window_allocate: serial dictatorship in queue order, exactly once per window
record.py      the public record of a window and its independent recomputation (R-W-5)
eligibility.py the one adapter to the queue's ranking and R-S-6 (who may claim, rank at the close)
"""
