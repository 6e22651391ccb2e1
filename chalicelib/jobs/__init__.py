"""Scheduled and background jobs: the minute job's openings, deadlines and retention (schedule, deadlines), the nightly
backup, and the queues background work runs on."""
