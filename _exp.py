import sys, time
if sys.argv[1] == 'lazy':
    sys.path.insert(0, '/tmp/lazyexp'); import lazyrec
t0 = time.perf_counter()
import app; from chalicelib import runtime; runtime.bot()
t1 = time.perf_counter()
from chalicelib import web
from chalicelib.platform.config import settings
from chalicelib.domain.model import User
from chalicelib.domain.writes import PutUser
from chalicelib.storage.memory import MemoryStore
store = MemoryStore()
store.commit([PutUser(User(key="cold-"+"0"*61, name="홍길동", unit="1중대"))])
runtime.store = lambda s: store
memory_bot = runtime.build(settings())
body = {"userRequest": {"utterance": "메뉴", "user": {"id": "cold-"+"0"*61, "type": "botUserKey"}}}
t2 = time.perf_counter()
status, reply = web.handle_skill({"X-Skill-Secret": "s"}, body, memory_bot, ("s",))
t3 = time.perf_counter()
import dataclasses
n = sum(1 for m in list(sys.modules.values()) if getattr(m,'__name__','').startswith('chalicelib') for v in vars(m).values() if isinstance(v,type) and '_record_pending' in v.__dict__)
print(f"{(t1-t0)*1000:.1f} first {(t3-t2)*1000:.1f} pending {n} {status}")
