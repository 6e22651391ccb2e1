"""@record: a dataclass made when it is first built, the same as one made at import."""

from __future__ import annotations

import dataclasses
import importlib
import os
import pkgutil
import sys
import threading
from typing import Any

import pytest

from chalicelib.domain import record as records
from chalicelib.domain.record import record


def test_a_record_is_made_on_its_first_instance_and_is_then_a_plain_dataclass() -> None:
    @record(frozen=True)
    class Point:
        x: int
        y: int = 0
        tags: list[str] = dataclasses.field(default_factory=list)

    assert "__dataclass_fields__" not in vars(Point)  # nothing generated yet
    p = Point(1, y=2)
    assert "__dataclass_fields__" in vars(Point)
    assert p == Point(1, 2) and p != Point(1, 3)
    assert repr(p).endswith("Point(x=1, y=2, tags=[])")
    assert dataclasses.replace(p, x=5) == Point(5, 2)
    assert Point(1).tags is not Point(1).tags
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.x = 3  # type: ignore[misc]
    with pytest.raises(TypeError):
        Point()  # type: ignore[call-arg]


def test_options_reach_dataclass() -> None:
    @record(eq=False)
    class Box:
        n: int

    @record
    class Pair:
        a: int

    assert Box(1) != Box(1)  # identity, as @dataclass(eq=False)
    assert Pair(1) == Pair(1)
    assert Pair.__hash__ is None  # eq without frozen: unhashable, as a dataclass is
    Pair(2).a = 3  # not frozen


def test_a_subclass_makes_its_bases_first() -> None:
    @record(frozen=True)
    class Base:
        a: int

    @record(frozen=True)
    class Child(Base):
        b: str = ""

    c = Child(1, "x")  # Base was never built: made first, so its field comes first
    assert (c.a, c.b) == (1, "x")
    assert [f.name for f in dataclasses.fields(Child)] == ["a", "b"]
    assert Base(2) == Base(2)


def test_a_wrong_definition_fails_when_made() -> None:
    @record
    class Wrong:
        a: int = 0
        b: int  # type: ignore[misc]  # a field without a default after one with

    with pytest.raises(TypeError):
        Wrong()  # type: ignore[call-arg]


def test_two_threads_building_the_first_instance_at_once() -> None:
    @record(frozen=True)
    class Once:
        n: int

    made: list[Once] = []
    start = threading.Barrier(8)

    def build(i: int) -> None:
        start.wait()
        made.append(Once(i))

    threads = [threading.Thread(target=build, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(o.n for o in made) == list(range(8))


def test_a_thread_arriving_while_another_makes_the_class_gets_a_whole_instance() -> None:
    """Making a class takes a moment; an instance built meanwhile must wait for it, not find the class half made
    (an ``__init__`` gone, the new one not there yet)."""
    failures: list[BaseException] = []
    for _ in range(30):
        fields = {f"f{i}": "int" for i in range(40)}  # a slow class to make
        Wide = record(frozen=True)(type("Wide", (), {"__annotations__": fields, "__module__": __name__}))
        start = threading.Barrier(12)

        def build(cls: Any = Wide, start: threading.Barrier = start) -> None:
            start.wait()
            try:
                made = cls(*range(40))
                assert made.f39 == 39
            except BaseException as e:  # collected, asserted below
                failures.append(e)

        threads = [threading.Thread(target=build) for _ in range(12)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert failures == []


def test_an_instance_built_while_the_class_is_being_made_waits_for_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """The making is held half-way; an instance built then, from another thread, must come out whole once it
    ends (the class's __init__ is never missing, even for a moment)."""
    inside, go = threading.Event(), threading.Event()
    real = dataclasses.dataclass

    def held(**options: Any) -> Any:
        def make(c: type) -> type:
            if c.__name__ == "Held":
                inside.set()
                assert go.wait(10)
            return real(**options)(c)

        return make

    monkeypatch.setattr(dataclasses, "dataclass", held)  # the module record.py calls it on

    @record(frozen=True)
    class Held:
        a: int
        b: str = "b"

    built: list[Any] = []
    first = threading.Thread(target=lambda: built.append(Held(1)))
    first.start()
    assert inside.wait(10)

    def meanwhile() -> None:
        try:
            built.append(Held(2, "x"))
        except BaseException as e:  # asserted below
            built.append(e)

    second = threading.Thread(target=meanwhile)
    second.start()
    second.join(0.2)  # it waits for the making (it would have failed by now without the placeholder)
    go.set()
    first.join()
    second.join()
    assert sorted(built, key=repr) == [Held(1, "b"), Held(2, "x")]


def test_every_record_of_the_package_is_well_defined() -> None:
    """Each record made now, as @dataclass would have at import: a definition error fails here, not on the
    first message that builds it."""
    import chalicelib

    for found in pkgutil.walk_packages(chalicelib.__path__, "chalicelib."):
        importlib.import_module(found.name)
    records.made_all()
    assert records.made_all() == 0
    classes = {
        id(v): v
        for name, m in list(sys.modules.items())
        if name.startswith("chalicelib.")
        for v in vars(m).values()
        if isinstance(v, type) and v.__module__ == name
    }.values()
    assert sum(dataclasses.is_dataclass(c) for c in classes) > 100  # the package's records, all made


def test_every_handler_named_for_later_exists() -> None:
    import chalicelib
    from chalicelib.domain import later

    for found in pkgutil.walk_packages(chalicelib.__path__, "chalicelib."):
        importlib.import_module(found.name)
    assert len(later.NAMED) >= 15
    assert later.resolve_all() == []


ADMIN_HALF = (
    "admin",
    "admin_commands",
    "admin_roles",
    "audience",
    "copying",
    "overview",
    "proxy",
    "remind",
    "repeat",
    "results",
    "roster",
    "roster_admin",
    "roster_load",
    "roster_upkeep",
    "scheduling",
    "targets",
    "unit_admins",
    "wizard",
    "wizard_settings",
    "wizard_steps",
)
MEMBER_MESSAGES = """
import json, sys
from datetime import timedelta
from chalicelib.domain.model import Question, Survey, User
from chalicelib.domain.writes import ListSurvey, PutSurvey, PutUser
from chalicelib.storage.memory import MemoryStore
from tests.harness import START, Chat, key_of

# The survey and the member put straight into the store: the admin's wizard would load the admin's half.
store = MemoryStore()
questions = [
    Question("q1", "메뉴", kind="choice", options=["치킨", "피자"], capacity={"치킨": 2}),
    Question("q2", "수량", kind="number", min=1, max=5),
    Question("q3", "메모", required=False),
]
s = Survey(id="bbq00001", title="BBQ 회식", owner="admin", questions=questions, deadline=START + timedelta(days=7),
           created_at=START.isoformat())
store.commit([PutSurvey(s), ListSurvey(s.info())])
store.commit([PutUser(User(key=key_of("홍길동"), name="홍길동", unit="1중대", created_at=START.isoformat()))])
chat = Chat(store=store)
import app
from chalicelib import runtime
for text in ["메뉴", "도움말", "신청 목록", "신청 BBQ 회식", "피자", "2", "건너뛰기", "제출", "내 신청",
             "신청 취소 BBQ 회식", "예", "아무 말"]:
    said = chat.say(text, who="홍길동")
    assert "제출했어요" in said.text or text != "제출", said.text
said = chat.say_all(["신청 BBQ 회식", "치킨", "1", "건너뛰기", "제출"], who="홍길동")  # an option with 정원
assert "제출했어요" in said.text, said.text
print(json.dumps(sorted(m for m in sys.modules if m.startswith("chalicelib") and m.rsplit(".", 1)[-1] in ADMIN_HALF)))
"""


def test_a_members_messages_load_none_of_the_admins_half() -> None:
    """A container that serves members only never imports the wizard, the roster's upkeep, 현황 or the admin's
    commands (domain.later): what a cold start saves stays saved. Run in a fresh process, as a container is."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    code = f"ADMIN_HALF = {ADMIN_HALF!r}\n" + MEMBER_MESSAGES
    env = {"PATH": "", "PYTHONPATH": os.pathsep.join([str(root), str(root / "tests")])}
    done = subprocess.run([sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert loaded == [], f"a member's messages imported the admin's modules: {loaded}"
