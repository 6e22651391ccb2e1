"""@record: a dataclass made when it is first built, the same as one made at import."""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
import sys
import threading

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
