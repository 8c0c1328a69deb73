"""Placement's pages: the family's cabinet and claims, and the kindergarten's referral desk.
The department's pages on placement data are in placement/department/."""
