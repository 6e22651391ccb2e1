"""Records: the project's dataclasses, whose methods are made when the class is first used.

``@record`` (with ``frozen=`` and ``eq=`` as ``@dataclass`` takes them) marks a class and leaves it as written;
the first time one is built, ``dataclasses.dataclass`` makes its ``__init__``, ``__eq__``, ``__repr__`` (and the
frozen guards) exactly as it would have at import. After that the class is an ordinary dataclass and costs
nothing more.

Why: making a dataclass's methods compiles their source (three to five small functions a class), which is
most of what a cold start spends in this package's ~130 records: about 45 ms of a 200 ms start on this
machine (docs/performance.md, *Cold start*). A message uses a few dozen of them: a member's 메뉴 never builds
a wizard step, a roster entry or an export task, so a cold start now pays for the records its first message
builds and no others.

What a record may not do before its first instance: be read as a dataclass from the class itself
(``dataclasses.fields(Cls)``, ``Cls.__match_args__``, a ``field()`` default as a class attribute). Nothing in
the project does; instances, ``replace``, ``asdict`` and ``is_dataclass`` of an instance work as always.
The tables a module builds as it is imported (the vocabulary's words, the commands, the wizard's steps, the
kinds' setup steps) are ``NamedTuple`` classes instead: every start builds them, and a named tuple is made from
one line of generated code where a dataclass needs three to five functions.

``made_all`` makes every marked record of the loaded modules at once: the tests use it so that a record
whose definition is wrong fails as it would at import.
"""

from __future__ import annotations

import dataclasses
import sys
import threading
from collections.abc import Callable
from typing import Any, TypeVar, dataclass_transform, overload

T = TypeVar("T", bound=type)

_PENDING = "__record_options__"  # on a class not made yet: the options to make it with
_lock = threading.RLock()  # two threads may build the first instance of a class at once


def _make(cls: type) -> None:
    with _lock:
        options = cls.__dict__.get(_PENDING)
        if options is None:  # made meanwhile
            return
        for base in reversed(cls.__mro__[1:]):  # a record's bases are made first, as at import
            if _PENDING in base.__dict__:
                _make(base)
        # Made in two steps, so that the class is never without an __init__ that works: a thread that builds an
        # instance meanwhile calls the placeholder, which waits on the lock. The __init__ is the one dataclass makes
        # for a twin of the class as written (its fields, defaults and bases); then everything else is made on the
        # class itself, where the placeholder stays (dataclass keeps an __init__ the class defines) until the made
        # one takes its place, in one step.
        skip = ("__init__", "__dict__", "__weakref__", _PENDING)
        written = {k: v for k, v in cls.__dict__.items() if k not in skip}
        shape = {"frozen": options["frozen"], "eq": False, "repr": False}  # the twin makes __init__ alone
        twin: type = dataclasses.dataclass(**shape)(type(cls.__name__, cls.__bases__, written))
        dataclasses.dataclass(init=False, **options)(cls)
        made = twin.__dict__["__init__"]
        made.__qualname__ = f"{cls.__qualname__}.__init__"
        cls.__init__ = made  # type: ignore[misc]
        delattr(cls, _PENDING)


def _placeholder(cls: type) -> Callable[..., None]:
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        _make(cls)
        cls.__init__(self, *args, **kwargs)  # type: ignore[misc]  # the made __init__

    return __init__


@overload
def record(cls: T, /) -> T: ...


@overload
def record(*, frozen: bool = False, eq: bool = True) -> Callable[[T], T]: ...


@dataclass_transform(field_specifiers=(dataclasses.field, dataclasses.Field))
def record(cls: T | None = None, /, *, frozen: bool = False, eq: bool = True) -> T | Callable[[T], T]:
    """``@record``, ``@record(frozen=True)``, ``@record(eq=False)``: a dataclass made on first use."""

    def mark(c: T) -> T:
        setattr(c, _PENDING, {"frozen": frozen, "eq": eq})
        c.__init__ = _placeholder(c)  # type: ignore[misc]
        return c

    return mark if cls is None else mark(cls)


def made_all() -> int:
    """Make every record of the modules loaded so far that is not made yet; how many were."""
    pending = {
        id(v): v
        for m in list(sys.modules.values())
        if getattr(m, "__name__", "").startswith("chalicelib")
        for v in list(vars(m).values())
        if isinstance(v, type) and _PENDING in v.__dict__
    }
    for cls in pending.values():
        _make(cls)
    return len(pending)
