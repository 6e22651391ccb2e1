"""What a step asks the service to do once its writes are stored, besides replying: one record per kind.

The conversation returns them in :attr:`chalicelib.domain.context.Outcome.effects`; the service runs each with the
one handler it keeps for its type (``service.effects``), in order, after the commit, and a handler may replace
the reply (a download's link, the upload page's button). A new kind of effect is a record here and a handler
there; the service refuses to start when one has none.
"""

from __future__ import annotations

from dataclasses import field
from typing import TYPE_CHECKING

from chalicelib.domain.model import Answer, Survey
from chalicelib.domain.record import record
from chalicelib.domain.session import ReadyFile
from chalicelib.domain.writes import KeepCensus

if TYPE_CHECKING:  # drawn only by 결과 보기: not imported before it is used
    from chalicelib.domain.results import Results


@record
class ExportJob:
    """Build a download of these surveys (one sheet each) and hand out its link; ``master`` = the super admin's
    everything."""

    survey_ids: list[str]
    master: bool = False
    ready: list[ReadyFile] = field(default_factory=list)  # files built in the background, to hand out now
    surveys: list[Survey] = field(default_factory=list)  # the surveys when the step read them already
    units: list[str] = field(default_factory=list)  # an admin of some units: only these units' people ([]: all)


@record
class NotifyJob:
    """Remind these people of a survey through Kakao's event channel (or tell admins of a closing, a file)."""

    survey_id: str
    title: str
    user_keys: list[str]
    admin_key: str  # who asked: the result is told to them
    kind: str = "remind"  # or "closed": the survey's admins get its summary; "opened", "file"


@record
class KeepFigures:
    """Keep a census counted for a view (domain.census), if its conditions still hold: one conditional write, and
    nothing lost when it fails (the next view counts again)."""

    write: KeepCensus


@record
class CountPeople:
    """Count a survey's people in the background and keep its census (domain.census): too many to count while an
    admin waits for a reply."""

    survey_id: str


@record
class ShowReport:
    """Draw a results page and hand out its link (결과 보기)."""

    results: Results


@record
class ShowUploadPage:
    """Hand out a page to upload the roster file to, under ``token`` (명단 올리기)."""

    token: str


@record
class ImportRoster:
    """Load the roster file uploaded under ``token``, in the background."""

    token: str


@record
class RemoveMissing:
    """Take off the people the load kept under ``token`` found missing (an admin said yes), in the background."""

    token: str


@record
class DeferAnswer:
    """Store an answer kept without the person apart from its participation record, and later."""

    answer: Answer


@record
class ForgetFiles:
    """A deleted survey's files go too."""

    survey_id: str


@record
class EntryLocked:
    """A roster entry took too many wrong guesses and is locked until ``until`` (epoch seconds): every super admin
    hears of it, and it is counted."""

    entry: str
    until: int


Effect = (
    ExportJob
    | NotifyJob
    | ShowReport
    | ShowUploadPage
    | ImportRoster
    | RemoveMissing
    | DeferAnswer
    | ForgetFiles
    | EntryLocked
    | KeepFigures
    | CountPeople
)
