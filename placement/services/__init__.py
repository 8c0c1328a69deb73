"""Writes on applications, claims and referrals, by sub-domain."""

from placement.services.claims import seat_claim, seats_claim
from placement.services.privileges import privilege_category_deactivate
from placement.services.referrals import (
    referral_cancel,
    referral_departure,
    referral_enrol,
    referral_extend,
    referral_public_facts,
    referral_refuse,
    referral_terminate,
    referrals_expire_due,
    referrals_unconfirmed_extraordinary_cancel,
)

__all__ = [
    "privilege_category_deactivate",
    "seat_claim",
    "seats_claim",
    "referral_cancel",
    "referral_departure",
    "referral_enrol",
    "referral_extend",
    "referral_public_facts",
    "referral_refuse",
    "referral_terminate",
    "referrals_expire_due",
    "referrals_unconfirmed_extraordinary_cancel",
]
