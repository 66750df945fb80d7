from .committees import Committee, PostHolding
from .people import CorrectionRequest, Membership, MembershipEvent, Person, TransferRequest
from .units import OrgUnit, RegionProfile, UnitScope

__all__ = [
    "Committee",
    "CorrectionRequest",
    "Membership",
    "MembershipEvent",
    "OrgUnit",
    "Person",
    "PostHolding",
    "RegionProfile",
    "TransferRequest",
    "UnitScope",
]
