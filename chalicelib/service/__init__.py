"""The application service: one message through the conversation and the ports, in time.

``bot`` runs the read → step → commit loop and ``effects`` what a step asks for after it; ``background`` is the
work outside a reply (the queue's tasks, the scheduled job's reminders); ``budget`` keeps each message inside
Kakao's 5 seconds; ``ratelimit`` counts messages per person; ``downloads`` hands out files; ``pushing`` sends
Kakao's events; ``roster_files`` loads roster files; ``wording`` is what the service itself says.
"""
