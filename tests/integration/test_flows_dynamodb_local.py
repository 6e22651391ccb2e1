"""The chat flows of the unit tier, replayed with every message stored in DynamoDB Local.

The unit tests (tests/unit/test_member_flows.py, test_admin_flows.py) prove the
conversation over MemoryStore. Here the same test functions, imported rather
than copied, run with ``Chat`` storing through ``DynamoStore`` on DynamoDB Local:
real conditional transactions, version checks, sparse GSIs, consistent reads and
the batch delete of a survey's answers, all by the real engine, not by moto.
"""
from __future__ import annotations

import importlib.util
import inspect
import sys
from pathlib import Path
from types import ModuleType
from typing import Any, Callable

import harness
import pytest
from harness import Chat, Clock

from chalicelib.storage.dynamo import DynamoStore

UNIT = Path(__file__).resolve().parents[1] / "unit"
SUPPORTED = {"chat", "clock"}  # fixtures a replayed flow may take


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"replayed_{name}", UNIT / f"{name}.py")
    assert spec is not None and spec.loader is not None, name
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


# The flows that lean on the store: submit/edit/withdraw with counters, caps, deadlines, drafts,
# unit and admin indexes, deletion of a survey with its answers, the audit table. (The unit tier
# keeps the rest, which only parse and word replies, at memory speed.)
FLOWS = {
    "test_member_flows": [
        "register_with_and_without_unit_and_change",
        "menu_is_role_aware_and_shows_pending",
        "full_answer_flow_stores_one_answer_and_counts",
        "cancel_drops_draft_and_nothing_is_stored",
        "draft_survives_menu_and_resumes",
        "double_submit_stores_once",
        "answered_survey_shows_my_answer_then_edit_adjusts_counts",
        "withdraw_after_confirmation",
        "my_submissions_open_first",
        "deadline_closes_without_anyone_acting",
        "target_unit_limits_who_sees_it",
        "option_capacity_and_response_cap",
        "capacity_taken_between_answer_and_submit",
        "leave_keeps_submitted_answers",
    ],
    "test_admin_flows": [
        "wizard_builds_every_question_kind",
        "members_cannot_create_and_attempt_is_audited",
        "status_counts_sums_capacity_and_units",
        "missing_lists_registered_members_of_target",
        "close_reopen_and_deadline_reopen",
        "delete_needs_confirmation_and_removes_answers",
        "other_admin_cannot_touch_my_survey_until_coadmin",
        "download_builds_a_card_with_links",
        "super_admin_grants_revokes_and_lists",
        "ambiguous_names_ask_which_person_by_unit",
        "master_key_exports_every_survey",
    ],
}


def _flows() -> list[Any]:
    out = []
    for module_name, names in FLOWS.items():
        module = _load(module_name)
        for name in names:
            fn = getattr(module, f"test_{name}", None)
            assert fn is not None, f"tests/unit/{module_name}.py has no test_{name} (renamed? update FLOWS)"
            params = set(inspect.signature(fn).parameters)
            assert params <= SUPPORTED, f"test_{name} takes {params - SUPPORTED}; only {SUPPORTED} are provided"
            out.append(pytest.param(fn, id=f"{module_name.removeprefix('test_')}::{name}"))
    return out


@pytest.mark.parametrize("flow", _flows())
def test_flow_on_dynamodb_local(flow: Callable[..., None], ddb: DynamoStore, monkeypatch: pytest.MonkeyPatch) -> None:
    # Flows that build their own Chat() get DynamoStore too (on this test's tables).
    monkeypatch.setattr(harness, "MemoryStore", DynamoStore)
    clock = Clock()
    given = {"chat": Chat(store=ddb, clock=clock), "clock": clock}
    flow(**{p: given[p] for p in inspect.signature(flow).parameters})
