"""The repositories of one unit of work: every one shares its session (and so its transaction), so
the use cases of the service layer reach the database only through them."""

from __future__ import annotations

import weakref

from services.registration.adapters.boards import BoardRepository
from services.registration.adapters.enrolments import EnrolmentRepository
from services.registration.adapters.imports import ImportRepository
from services.registration.adapters.participants import ParticipantRepository
from services.registration.adapters.placements import PlacementRepository
from services.registration.adapters.program_years import ProgramYearRepository
from services.registration.adapters.scim_users import ScimUserRepository
from services.registration.adapters.sessions import SessionRepository
from services.registration.adapters.steering import SteeringRepository
from services.registration.adapters.timeline import TimelineRepository
from services.registration.adapters.watermarks import WatermarkRepository
from shared.db import UnitOfWork


class Repositories:
    """Registration's repositories, one per aggregate, on the unit of work's session."""

    def __init__(self, uow: UnitOfWork):
        self.session = session = uow.session
        self.boards = BoardRepository(session)
        self.participants = ParticipantRepository(session)
        self.imports = ImportRepository(session)
        self.enrolments = EnrolmentRepository(session)
        self.placements = PlacementRepository(session)
        self.program_years = ProgramYearRepository(session)
        self.scim_users = ScimUserRepository(session)
        self.sessions = SessionRepository(session)
        self.steering = SteeringRepository(session)
        self.timeline = TimelineRepository(session)
        self.watermarks = WatermarkRepository(session)


_OPEN: weakref.WeakKeyDictionary[UnitOfWork, Repositories] = weakref.WeakKeyDictionary()


def repositories(uow: UnitOfWork) -> Repositories:
    """The repositories of ``uow`` (an open unit of work), made once per unit of work."""
    found = _OPEN.get(uow)
    if found is None or found.session is not uow.session:
        found = _OPEN[uow] = Repositories(uow)
    return found
