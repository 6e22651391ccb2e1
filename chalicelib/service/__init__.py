"""The application service: one message through the conversation and the ports, in time.

``bot`` runs the read → step → commit loop; ``budget`` keeps each message inside
Kakao's 5 seconds; ``ratelimit`` counts messages per person; ``downloads`` hands out
files; ``wording`` is what the service itself says.
"""

from chalicelib.service.bot import MAX_ATTEMPTS, Bot
from chalicelib.service.budget import Budget, Timing, budgeted
from chalicelib.service.downloads import SYNC_CELLS
from chalicelib.service.wording import BUSY, SLOW_DOWN, links_reply

__all__ = ["BUSY", "MAX_ATTEMPTS", "SLOW_DOWN", "SYNC_CELLS", "Bot", "Budget", "Timing", "budgeted", "links_reply"]
