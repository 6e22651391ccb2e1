"""The step a person is on, drawn from their session alone.

When a message cannot be handled (the store throttles, times out, or the time
budget is spent), the reply says "try again shortly" and repeats the question the
member is answering, so that sending the answer again is one tap. Nothing here
reads the store: a draft carries a snapshot of its questions, the wizard its own
state.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from chalicelib.domain import answering
from chalicelib.domain.context import Ctx
from chalicelib.domain.model import Answer, Member, Survey, SurveyInfo, User, now_kst
from chalicelib.domain.plans import Planned
from chalicelib.domain.ports import Epoch, Reader, RosterInfo
from chalicelib.domain.reply import Reply
from chalicelib.domain.roster_records import LoadResult, RosterEntry, Strain
from chalicelib.domain.session import Flow

log = logging.getLogger("haengjeong")


class NoReads(Reader):
    """A Reader with nothing in it: prompts are drawn without the (failing) store.

    A choice question with capacities is then shown without the places left.
    """

    def get_user(self, key: str) -> User | None:
        return None

    def get_user_and_listing(self, key: str) -> tuple[User | None, list[SurveyInfo]]:
        return None, []

    def get_users(self, keys: Sequence[str]) -> list[User]:
        return []

    def find_users_by_name(self, name: str) -> list[User]:
        return []

    def list_members(self, unit: str = "") -> list[Member]:
        return []

    def list_admins(self) -> list[Member]:
        return []

    def people_epoch(self) -> Epoch:
        return Epoch(settled=False)

    def get_survey(self, survey_id: str) -> Survey | None:
        return None

    def get_surveys(self, survey_ids: Sequence[str]) -> list[Survey]:
        return []

    def get_survey_and_answer(self, survey_id: str, user_key: str) -> tuple[Survey | None, Answer | None]:
        return None, None

    def listed_surveys(self) -> list[SurveyInfo]:
        return []

    def surveys_titled(self, title: str) -> list[SurveyInfo]:
        return []

    def all_surveys(self) -> list[SurveyInfo]:
        return []

    def get_answer(self, survey_id: str, user_key: str) -> Answer | None:
        return None

    def list_answers(self, survey_id: str) -> list[Answer]:
        return []

    def planned(self) -> list[Planned]:
        return []

    def answered_by(self, person: str) -> dict[str, int]:
        return {}

    def roster_info(self) -> RosterInfo:
        return RosterInfo()

    def roster_entries(self, unit: str = "", name: str = "") -> list[RosterEntry]:
        return []

    def registration_strain(self, user_key: str) -> Strain:
        return Strain()

    def former_entries(self) -> list[RosterEntry]:
        return []

    def last_load(self, now: int) -> LoadResult | None:
        return None

    def load_lines(self, token: str) -> list[str]:
        return []

    def load_keys(self, token: str) -> list[str]:
        return []


def current_prompt(user: User | None, note: str) -> Reply | None:
    """``note`` followed by the question ``user`` is on; None when they are not in a flow."""
    if user is None:
        return None
    try:
        ctx = Ctx.of(user.key, user, now_kst(), NoReads())
        flow = ctx.session.flow
        if flow == Flow.ANSWERING:
            return answering.resume_prompt(ctx, note)
        if flow == Flow.CREATING and ctx.session.wizard is not None:
            from chalicelib.domain import wizard  # an admin's flow: imported when one is first resumed

            return wizard.prompt(ctx.session.wizard, ctx.now, note)
        if flow == Flow.CONFIRMING:
            return Reply.say(note, quick=["예", "아니오", "메뉴"])
    except Exception:  # a session this code cannot read must not turn a polite reply into an error
        log.warning("could not redraw the current step")
    return None
