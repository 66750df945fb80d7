from .bodies import Body, Delegation, Representative, Term
from .proposals import Assignment, Department, Proposal, ProposalRating, Reply, Seconding
from .sessions import AgendaItem, JointMeeting, Resolution, Session, SessionDocument, SignIn

__all__ = [
    "AgendaItem",
    "Assignment",
    "Body",
    "Delegation",
    "Department",
    "JointMeeting",
    "Proposal",
    "ProposalRating",
    "Reply",
    "Representative",
    "Resolution",
    "Seconding",
    "Session",
    "SessionDocument",
    "SignIn",
    "Term",
]
