"""The web chat of the local stack (``make run`` → http://127.0.0.1:PORT/chat); see :mod:`scripts.webchat.server`."""
